#!/usr/bin/env node
// Entry point of the `bootshift` command (package.json "bin"): runs the CLI on this process and exits with its code.
import { run } from './run';

void run(process.argv.slice(2), { out: process.stdout, err: process.stderr, env: process.env, cwd: process.cwd() }).then((code) => {
  process.exitCode = code;
});
