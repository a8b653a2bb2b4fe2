// The in-memory fleet ledger: the reference semantics the PostgreSQL ledger (ledger/) is tested against, and the
// state the legacy fleetLedger workflow of bench P3 carries.
export * from './state';
export * from './transitions';
export { snapshot } from './snapshot';
