// How a host's CPUs are shared, the heart of boot-time inflation. Every runnable vCPU thread is an entity the host
// scheduler shares fairly (max-min, as CFS roughly does: a thread that mostly sleeps gets all it asks for, the
// rest split evenly), and an overloaded host also loses capacity to the overload itself (context switches, cache
// thrash, lock-holder preemption), which is why measured slowdowns exceed the plain load factor.

/** `count` identical threads, each wanting `demand` of one CPU (0 <= demand <= 1). */
export interface ThreadGroup {
  count: number;
  demand: number;
}

/** CPUs the host still delivers when runnable demand is `demand` CPUs. */
export function effectiveCpus(cpus: number, demand: number, interference: number): number {
  return cpus / (1 + interference * Math.max(0, demand / cpus - 1));
}

/** The CPU share (0..1] that one thread wanting a whole CPU gets: the water level of max-min fair sharing. */
export function fullThreadRate(cpus: number, groups: readonly ThreadGroup[], interference: number): number {
  const demand = groups.reduce((sum, g) => sum + g.count * g.demand, 0);
  let capacity = effectiveCpus(cpus, demand, interference);
  if (demand <= capacity) return 1;
  let threads = groups.reduce((sum, g) => sum + g.count, 0);
  for (const group of [...groups].sort((a, b) => a.demand - b.demand)) {
    if (group.demand * threads > capacity) return capacity / threads;
    capacity -= group.count * group.demand;
    threads -= group.count;
  }
  return 1;
}
