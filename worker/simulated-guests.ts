// Simulated hypervisor mode (benchmarks, fault tests, `--hypervisor simulated`): simulated guests have no network,
// so when one finishes booting this sends the boot-complete signal on its behalf, marked as simulated in the history.
import { createSimulatedHypervisor, type SimulatedHypervisor, type SimulatedHypervisorOptions } from '../activities/simulated-hypervisor';
import type { BootCompleteEvent } from '../workflows/types';

type SignalBoot = (workflowId: string, event: BootCompleteEvent) => Promise<unknown>;

export function createSimulatedFleet(
  options: Omit<SimulatedHypervisorOptions, 'onBooted'>,
  signalBoot: SignalBoot,
  onError: (err: unknown) => void = () => undefined,
): SimulatedHypervisor {
  const workflowOf = new Map<string, string>();
  const hypervisor = createSimulatedHypervisor({
    ...options,
    onBooted: (domainName, host) => {
      const workflowId = workflowOf.get(domainName);
      if (workflowId) signalBoot(workflowId, { source: 'guest', detail: { via: 'simulated-guest', host: host.name } }).catch(onError);
    },
  });
  const defineAndStart = hypervisor.defineAndStart.bind(hypervisor);
  hypervisor.defineAndStart = async (host, spec) => {
    if (spec.metadata?.workflowId) workflowOf.set(spec.name, spec.metadata.workflowId);
    return defineAndStart(host, spec);
  };
  return hypervisor;
}
