// `bootshift setup`: makes an existing Temporal namespace ready for bootshift, with the same code the dev server runs
// at every start (worker/namespace-setup.ts): the namespace must exist, bootshift's search attributes are added when
// missing (run it as often as you like), and the task queue is checked for pollers. No poller is only a warning by
// default, since setup is usually run before the workers are started; --require-pollers makes it an error (exit 8),
// for a check after a deployment.
import type { Command } from 'commander';
import { z } from 'zod';
import { isGrpcServiceError } from '@temporalio/client';
import { NamespaceNotFoundError } from '@temporalio/common';
import { searchAttributeKeys } from '../workflows/messages';
import { prepareNamespace, taskQueuePollers, type NamespaceSetup, type Poller } from '../worker/namespace-setup';
import { CliError, ExitCode } from './errors';
import { type CliContext, jsonFlag, optionsFor, parseFlags, withClient } from './options';
import { writeJson } from './output';

// gRPC PERMISSION_DENIED: a cluster whose operator service is closed to this client (or Temporal Cloud's).
const GRPC_PERMISSION_DENIED = 7;

export interface SetupReport {
  address: string;
  namespace: string;
  searchAttributes: Omit<NamespaceSetup, 'namespace'>;
  taskQueue: { name: string; workflowPollers: Poller[]; activityPollers: Poller[] };
}

export function renderSetup(r: SetupReport): string {
  const { added, present } = r.searchAttributes;
  const attributes = [added.length > 0 && `added ${added.join(', ')}`, present.length > 0 && `already present: ${present.join(', ')}`]
    .filter(Boolean)
    .join('; ');
  const { workflowPollers, activityPollers, name } = r.taskQueue;
  const identities = [...new Set([...workflowPollers, ...activityPollers].map((p) => p.identity))];
  const pollers =
    identities.length === 0
      ? 'no pollers'
      : `${workflowPollers.length} workflow and ${activityPollers.length} activity pollers (${identities.join(', ')})`;
  return [`namespace ${r.namespace} on ${r.address}: exists`, `search attributes: ${attributes}`, `task queue ${name}: ${pollers}`].join('\n');
}

export function registerSetupCommand(program: Command, ctx: CliContext): void {
  program
    .command('setup')
    .description("make an existing Temporal namespace ready for bootshift: check it exists, add bootshift's search attributes (idempotent), check the task queue's pollers")
    .option('--task-queue <name>', 'the workers\' task queue (default: $BOOTSHIFT_TASK_QUEUE, the dev environment\'s, "bootshift")')
    .option('--require-pollers', 'exit 8 when no worker polls the task queue (default: a warning)')
    .option('--json', 'machine-readable output')
    .action(async (_opts, cmd: Command) => {
      const flags = parseFlags(z.object({ requirePollers: z.boolean().default(false), json: jsonFlag }), cmd.opts());
      const opts = optionsFor(cmd, ctx);
      const report = await withClient(opts, async ({ connection }): Promise<SetupReport> => {
        const setup = await prepareNamespace(connection, opts.namespace).catch((err: unknown) => {
          if (err instanceof NamespaceNotFoundError) {
            throw new CliError(
              ExitCode.NotFound,
              `namespace "${opts.namespace}" does not exist on ${opts.address} (from ${opts.addressSource}): create it first ` +
                `(\`temporal operator namespace create --namespace ${opts.namespace}\`), or name another with --namespace`,
            );
          }
          if (isGrpcServiceError(err) && err.code === GRPC_PERMISSION_DENIED) {
            const wanted = searchAttributeKeys.map((k) => `${k.name} (${k.type})`).join(', ');
            throw new CliError(
              ExitCode.Refused,
              `${opts.address} refused to add search attributes to namespace "${opts.namespace}" (${err.details}): ` +
                `have an administrator add ${wanted}, then run setup again`,
            );
          }
          throw err;
        });
        const pollers = await taskQueuePollers(connection, opts.namespace, opts.taskQueue);
        return {
          address: opts.address,
          namespace: opts.namespace,
          searchAttributes: { added: setup.added, present: setup.present },
          taskQueue: { name: opts.taskQueue, workflowPollers: pollers.workflow, activityPollers: pollers.activity },
        };
      });
      if (flags.json) writeJson(ctx.out, report);
      else ctx.out.write(`${renderSetup(report)}\n`);

      const { workflowPollers, activityPollers } = report.taskQueue;
      if (workflowPollers.length > 0 && activityPollers.length > 0) return;
      const idle = workflowPollers.length === 0 && activityPollers.length === 0 ? '' : workflowPollers.length === 0 ? ' workflow tasks on' : ' activity tasks on';
      const missing = `no worker polls${idle} task queue "${opts.taskQueue}" in namespace "${opts.namespace}"`;
      if (flags.requirePollers) throw new CliError(ExitCode.NotReady, missing);
      ctx.err.write(`bootshift: warning: ${missing}: VMs wait until a worker with BOOTSHIFT_TASK_QUEUE=${opts.taskQueue} starts\n`);
    });
}
