// Every name a client, the worker or the Temporal UI uses to talk to bootshift's workflows, in one place so the two
// sides cannot drift apart. Search-attribute keys are plain {name, type} objects (what defineSearchAttributeKey
// returns) so this file needs nothing but the workflow SDK.
import type { SearchAttributeKey } from '@temporalio/common/lib/search-attributes';

const keyword = (name: string): SearchAttributeKey<'KEYWORD'> => ({ name, type: 'KEYWORD' });

export const vmNameKey = keyword('VmName');
export const vmPhaseKey = keyword('VmPhase');
export const vmHostKey = keyword('VmHost');
export const bootHostKey = keyword('BootHost');
export const settleHostKey = keyword('SettleHost');

/** The custom search attributes the Temporal namespace must have before bootshift workflows run. */
export const searchAttributeKeys = [vmNameKey, vmPhaseKey, vmHostKey, bootHostKey, settleHostKey] as const;
