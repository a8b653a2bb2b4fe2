// Every name a client, the worker or the Temporal UI uses to talk to bootshift's workflows, in one place so the two
// sides cannot drift apart. Search-attribute keys are plain {name, type} objects (what defineSearchAttributeKey
// returns) so this file needs nothing but the workflow SDK.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { SearchAttributeKey } from '@temporalio/common/lib/search-attributes';
import type { BootCompleteEvent, MigrationProgressEvent, VmStatus, WaitablePhase } from './types';

const keyword = (name: string): SearchAttributeKey<'KEYWORD'> => ({ name, type: 'KEYWORD' });

export const vmNameKey = keyword('VmName');
export const vmPhaseKey = keyword('VmPhase');
export const vmHostKey = keyword('VmHost');
export const bootHostKey = keyword('BootHost');
export const settleHostKey = keyword('SettleHost');

/** The custom search attributes the Temporal namespace must have before bootshift workflows run. */
export const searchAttributeKeys = [vmNameKey, vmPhaseKey, vmHostKey, bootHostKey, settleHostKey] as const;

// provisionVm
/** Sent for the ledger (ledger/grants.ts) to a VM workflow whose queued boot request was admitted. */
export const bootSlotGrantedSignal = defineSignal<[{ reservationId: string; host: string }]>('bootSlotGranted');
/**
 * The guest says its boot is complete (through the boot gateway), the guest-agent watcher does, or an operator does.
 * An update, not a signal: the validator refuses one that comes too early (domain not defined yet), too late (already
 * booted), or with another boot's nonce, the sender learns so, and a refusal leaves nothing in the history.
 */
export const bootCompleteUpdate = defineUpdate<{ bootedAt: number }, [BootCompleteEvent]>('bootComplete');
/** Sent by the migrate activity while the libvirt job runs, so status queries can show progress. */
export const migrationProgressSignal = defineSignal<[MigrationProgressEvent]>('migrationProgress');
export const getStatusQuery = defineQuery<VmStatus>('getStatus');
/** Completes when the VM reaches the phase (or a later one); fails if provisioning fails first. */
export const waitForPhaseUpdate = defineUpdate<VmStatus, [{ phase: WaitablePhase }]>('waitForPhase');
