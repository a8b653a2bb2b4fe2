// Request schemas for the ledger transitions. Temporal update validators must be synchronous and throw to reject,
// so each validator parses with zod and throws a LedgerInputError listing every `field: rule` at once.
import { z } from 'zod';
import { ValidationError, parseOrThrow, rule } from '../validation';
import { idSchema, nameSchema } from '../names';
import { memoryMiBSchema, vcpusSchema } from '../vm-spec';
import { parseInventory, type Inventory } from '../inventory';
import type { ClearLeakedResult, CommitMoveResult, MarkLeakedResult, ReleaseResult, ReleaseVmResult, ReserveBootResult, ReserveSettleResult } from './results';

const request = <T extends z.core.$ZodLooseShape>(shape: T) =>
  z.strictObject(shape, { error: rule('must be an object') });

export const reserveBootInputSchema = request({
  reservationId: idSchema,
  vmId: idSchema,
  workflowId: idSchema,
  vcpus: vcpusSchema,
  memoryMiB: memoryMiBSchema,
  antiAffinityGroup: nameSchema.optional(),
});

export const reserveSettleInputSchema = request({
  reservationId: idSchema,
  vmId: idSchema,
  exclude: z
    .array(nameSchema, { error: rule('must be a list of host names') })
    .max(1000, { error: 'must list at most 1000 hosts' })
    .optional(),
});

/** reservationId is the settle reservation being committed: it keys the request, as for every other transition. */
export const commitMoveInputSchema = request({ vmId: idSchema, reservationId: idSchema });
export const releaseInputSchema = request({ reservationId: idSchema });
export const releaseVmInputSchema = request({ vmId: idSchema });
export const drainHostInputSchema = request({ host: nameSchema });
/**
 * A VM's domain could not be destroyed on a host: the capacity it holds there stays held, marked leaked, until a
 * decommission or an operator clears it. Narrowed to one reservation, or to the reservations on one host.
 */
export const markLeakedInputSchema = request({
  vmId: idSchema,
  reservationId: idSchema.optional(),
  host: nameSchema.optional(),
  reason: z.string({ error: rule('must be a string') }).min(1, { error: 'must not be empty' }).max(2000, { error: 'must be at most 2000 characters' }),
});
/** Frees a VM's leaked capacity (all of it, or one reservation's) once its domain is known to be gone. */
export const clearLeakedInputSchema = request({ vmId: idSchema, reservationId: idSchema.optional() });

export type ReserveBootInput = z.output<typeof reserveBootInputSchema>;
export type ReserveSettleInput = z.output<typeof reserveSettleInputSchema>;
export type CommitMoveInput = z.output<typeof commitMoveInputSchema>;
export type ReleaseInput = z.output<typeof releaseInputSchema>;
export type ReleaseVmInput = z.output<typeof releaseVmInputSchema>;
export type DrainHostInput = z.output<typeof drainHostInputSchema>;
export type MarkLeakedInput = z.output<typeof markLeakedInputSchema>;
export type ClearLeakedInput = z.output<typeof clearLeakedInputSchema>;

/**
 * The ledger's contract with VMs: each request, its input and its result. The ledger workflow's updates and the
 * activities' ledger port are both derived from this one list.
 */
export interface VmLedgerRequests {
  reserveBoot: [ReserveBootInput, ReserveBootResult];
  reserveSettle: [ReserveSettleInput, ReserveSettleResult];
  commitMove: [CommitMoveInput, CommitMoveResult];
  release: [ReleaseInput, ReleaseResult];
  releaseVm: [ReleaseVmInput, ReleaseVmResult];
  markLeaked: [MarkLeakedInput, MarkLeakedResult];
  clearLeaked: [ClearLeakedInput, ClearLeakedResult];
}

export class LedgerInputError extends ValidationError {}

function validator<T>(what: string, schema: z.ZodType<T>): (input: unknown) => T {
  return (input) => parseOrThrow(schema, input, `invalid ${what} request`, LedgerInputError);
}

export const validateReserveBoot = validator('reserveBoot', reserveBootInputSchema);
export const validateReserveSettle = validator('reserveSettle', reserveSettleInputSchema);
export const validateCommitMove = validator('commitMove', commitMoveInputSchema);
export const validateRelease = validator('release', releaseInputSchema);
export const validateReleaseVm = validator('releaseVm', releaseVmInputSchema);
export const validateDrainHost = validator('drainHost', drainHostInputSchema);
export const validateMarkLeaked = validator('markLeaked', markLeakedInputSchema);
export const validateClearLeaked = validator('clearLeaked', clearLeakedInputSchema);
/** Throws an InventoryError (also a ValidationError) for a bad inventory. */
export const validateResyncInventory = (input: unknown): Inventory => parseInventory(input);
