// Test projects: `unit` needs nothing running; the others talk to real parts (a Temporal dev server built from
// source, a PostgreSQL cluster of their own, the Pulumi CLI, libvirt lab hosts) and so run one file at a time.
const base = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
};

module.exports = {
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...base, displayName: 'ledger', testMatch: ['<rootDir>/test/ledger/**/*.test.ts'] },
    { ...base, displayName: 'workflows', testMatch: ['<rootDir>/test/workflows/**/*.test.ts', '<rootDir>/test/replay/**/*.test.ts'] },
    { ...base, displayName: 'smoke', testMatch: ['<rootDir>/test/smoke/**/*.test.ts'] },
    { ...base, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
    { ...base, displayName: 'fault', testMatch: ['<rootDir>/test/fault/**/*.test.ts'] },
  ],
};
