// A tiny seeded PRNG (mulberry32), so a simulation is reproducible from its seed alone, with named streams so that
// drawing more of one thing (say, pre-existing tenants) does not shift the draws of another (the VM stream).
export type Random = () => number;

/** Uniform in [0, 1). */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed mixed with an FNV-1a hash of the label: one independent stream per purpose. */
export function stream(seed: number, label: string): Random {
  let hash = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < label.length; i++) hash = Math.imul(hash ^ label.charCodeAt(i), 0x01000193);
  return mulberry32(hash);
}
