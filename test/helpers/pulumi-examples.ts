// The examples are type-checked once per `npm test`, by tsc in scripts/test. Type-checking them again inside every
// `pulumi` run of a test (ts-node's default) costs ~7 s of a 2-core machine per run and proves nothing new, so the
// tests' runs only transpile: Pulumi's own switch for programs with "a separate build step that runs tsc".
// The outside-repo test and the main job keep Pulumi's default, as a user gets it.
export const TRANSPILE_ONLY: Readonly<Record<string, string>> = { PULUMI_NODEJS_TRANSPILE_ONLY: 'true' };
