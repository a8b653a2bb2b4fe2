// The built worker's workflow code (worker/workflow-bundle.ts): the bundle `npm run build` wrote, while it is newer
// than every compiled workflow and domain module; a module compiled after it (tsc run alone) makes the worker bundle
// afresh rather than run stale workflow code. Runs against lib/, as the worker process does.
import { statSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../devenv/tools';

const lib = path.join(repoRoot(), 'lib');
const bundle = path.join(lib, 'workflow-bundle.cjs');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const built = require(path.join(lib, 'worker', 'workflow-bundle.js')) as typeof import('../../worker/workflow-bundle');

test('a current prebuilt bundle is used', () => {
  expect(built.workflowCode()).toEqual({ workflowBundle: { codePath: bundle } });
});

test.each(['workflows/index.js', 'domain/index.js'])('a %s compiled after the bundle makes the worker bundle afresh', (module) => {
  const file = path.join(lib, module);
  const { atime, mtime } = statSync(file);
  try {
    utimesSync(file, atime, new Date(statSync(bundle).mtimeMs + 10_000));
    expect(built.workflowCode()).toEqual({ workflowsPath: path.join(lib, 'workflows', 'index.js') });
  } finally {
    utimesSync(file, atime, mtime);
  }
  expect(built.workflowCode()).toEqual({ workflowBundle: { codePath: bundle } });
});
