// Exit codes are the CLI's contract with scripts (`bootshift vm status x || case $? in 3) ...`), so they live in one
// table that the `--help` text is generated from, and every error is mapped to one of them in a single place.
import { CommanderError } from 'commander';
import { isGrpcServiceError, WorkflowUpdateFailedError } from '@temporalio/client';
import { NamespaceNotFoundError, WorkflowNotFoundError } from '@temporalio/common';
import { SearchAttributeTypeError } from '../worker/namespace-setup';

export const ExitCode = {
  Ok: 0,
  Unexpected: 1,
  Usage: 2,
  NotFound: 3,
  Unreachable: 4,
  Refused: 5,
  Violated: 6,
  Nondeterministic: 7,
  NotReady: 8,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

const MEANING: Record<ExitCode, string> = {
  0: 'ok',
  1: 'unexpected error',
  2: 'usage error or invalid input (the message names the flag and the rule)',
  3: 'not found (no such VM, workflow, fleet ledger or host), or a VM name that is ambiguous',
  4: 'cannot reach Temporal, or the dev environment is not running',
  5: 'the operation was refused (e.g. signal-boot on a VM that is not booting)',
  6: 'bootshift check found the ledger, the hypervisors and the workflows disagreeing',
  7: 'bootshift replay: a workflow history does not replay against the workflow code (nondeterminism, or another replay failure)',
  8: 'bootshift setup: the namespace is not ready (a search attribute of another type; with --require-pollers, no worker polls the task queue)',
};

export const exitCodesHelp = `\nExit codes:\n${Object.entries(MEANING)
  .map(([code, meaning]) => `  ${code}  ${meaning}`)
  .join('\n')}\n`;

/** An error whose exit code and message are meant for the user as they are (no stack trace). */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export const usageError = (message: string) => new CliError(ExitCode.Usage, message);

// gRPC status codes (UNAVAILABLE, DEADLINE_EXCEEDED) meaning the server could not be talked to at all.
const UNREACHABLE_GRPC_CODES: readonly number[] = [14, 4];

function grpcCode(err: unknown): number | undefined {
  for (let e = err; e instanceof Error; e = e.cause) if (isGrpcServiceError(e)) return e.code;
  return undefined;
}

export function exitCodeFor(err: unknown): ExitCode {
  if (err instanceof CliError) return err.exitCode;
  if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
  if (err instanceof WorkflowNotFoundError || err instanceof NamespaceNotFoundError) return ExitCode.NotFound;
  if (err instanceof SearchAttributeTypeError) return ExitCode.NotReady;
  // The workflow's update validator said no.
  if (err instanceof WorkflowUpdateFailedError) return ExitCode.Refused;
  const code = grpcCode(err);
  if (code !== undefined && UNREACHABLE_GRPC_CODES.includes(code)) return ExitCode.Unreachable;
  return ExitCode.Unexpected;
}
