// The workflow bundle a worker runs. Bundling workflows/ (webpack) takes ~4 s of a worker's start on a 2-core machine,
// and every start of an installed bootshift would bundle the same code again. So `npm run build` bundles once, into
// lib/workflow-bundle.cjs (Temporal's advice for production workers), and a worker running from lib/ loads that.
// The prebuilt bundle is used only while it is newer than every compiled module it can contain (lib/workflows and
// lib/domain), so a lib/ recompiled by tsc alone never runs stale workflow code: it bundles afresh instead.
// (`.cjs`: scripts/prune-lib deletes any .js in lib/ that no source file produces.)
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { WorkerOptions } from '@temporalio/worker';

const BUNDLE = path.join(__dirname, '..', 'workflow-bundle.cjs');
const SOURCES = ['workflows', 'domain'].map((dir) => path.join(__dirname, '..', dir));

function newestModule(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestModule(file));
    else if (entry.name.endsWith('.js')) newest = Math.max(newest, statSync(file).mtimeMs);
  }
  return newest;
}

/** The worker's workflow code: the prebuilt bundle when it is current, else workflows/ to be bundled at start. */
export function workflowCode(): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  const workflowsPath = require.resolve('../workflows');
  // From sources (ts-node, jest) there is no compiled code to be current with: bundle them.
  if (!workflowsPath.endsWith('.js')) return { workflowsPath };
  try {
    const built = statSync(BUNDLE).mtimeMs;
    if (SOURCES.every((dir) => newestModule(dir) <= built)) return { workflowBundle: { codePath: BUNDLE } };
  } catch {
    // No bundle was built (or lib/ is incomplete): bundle at start.
  }
  return { workflowsPath };
}

/** `npm run build`'s last step: bundle the compiled workflows into lib/workflow-bundle.cjs. */
async function writeBundle(): Promise<void> {
  const { bundleWorkflowCode, DefaultLogger } = await import('@temporalio/worker');
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: new DefaultLogger('WARN') });
  writeFileSync(BUNDLE, code);
}

if (require.main === module) {
  writeBundle().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
