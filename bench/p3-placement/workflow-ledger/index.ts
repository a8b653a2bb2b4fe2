// The workflow bundle of bench P3's baseline ledger.
export { fleetLedger } from './fleet-ledger';
