// The two placement policies compared, both decided by the project's own placement functions so the simulation
// measures the policy bootshift ships, not a re-implementation of it.
import { pickBootHost, pickSettleHost, type FleetPolicy, type HostRecord, type Pool } from '../domain';
import { bootHostCount, type SimParams } from './params';
import type { SimVm } from './workload';

/** in-place: boot on the dense hosts (best fit up to the ratio) and stay; bootshift: boot pool, then migrate. */
export type PolicyName = 'in-place' | 'bootshift';
export const POLICIES: readonly PolicyName[] = ['in-place', 'bootshift'];

export function poolOf(policy: PolicyName, hostIndex: number, params: SimParams): Pool {
  return policy === 'bootshift' && hostIndex < bootHostCount(params) ? 'boot' : 'settle';
}

export function bootHostFor(
  policy: PolicyName,
  hosts: readonly HostRecord[],
  fleetPolicy: FleetPolicy,
  vm: SimVm,
): string | undefined {
  return policy === 'bootshift' ? pickBootHost(hosts, fleetPolicy, vm) : pickSettleHost(hosts, fleetPolicy, vm);
}
