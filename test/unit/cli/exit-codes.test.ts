// Every failure maps to one documented exit code; the help text lists the same table.
import { CommanderError } from 'commander';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { NamespaceNotFoundError, WorkflowNotFoundError } from '@temporalio/common';
import { CliError, ExitCode, exitCodeFor, exitCodesHelp } from '../../../cli/errors';
import { SearchAttributeTypeError } from '../../../worker/namespace-setup';

const grpcError = (code: number) => Object.assign(new Error(`grpc ${code}`), { code, details: 'x', metadata: {} });

test.each<[string, unknown, ExitCode]>([
  ['a CliError keeps its code', new CliError(ExitCode.Refused, 'no'), 5],
  ['commander usage errors', new CommanderError(1, 'commander.unknownOption', 'unknown option'), 2],
  ['commander after printing help', new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'), 0],
  ['an unknown workflow', new WorkflowNotFoundError('not found', 'vm/x', undefined), 3],
  ['an unknown namespace', new NamespaceNotFoundError('nope'), 3],
  ['an update its validator rejected', new WorkflowUpdateFailedError('failed', undefined), 5],
  ['a search attribute of another type', new SearchAttributeTypeError('prod', [{ name: 'VmPhase', expected: 'KEYWORD', actual: 'TEXT' }]), 8],
  ['gRPC UNAVAILABLE', grpcError(14), 4],
  ['gRPC DEADLINE_EXCEEDED wrapped as a cause', new Error('call failed', { cause: grpcError(4) }), 4],
  ['another gRPC error', grpcError(3), 1],
  ['anything else', new TypeError('bug'), 1],
  ['a thrown string', 'oops', 1],
])('%s', (_what, err, code) => {
  expect(exitCodeFor(err)).toBe(code);
});

test('the help text documents every exit code', () => {
  for (const code of Object.values(ExitCode)) expect(exitCodesHelp).toMatch(new RegExp(`^  ${code}  \\S`, 'm'));
});
