// The boot-time CDF of both policies as a hand-built SVG: a few polylines and ticks need no plotting library, and
// the file diffs readably when committed next to RESULTS.md.
import type { Comparison } from './compare';
import { percentile } from './metrics';

const [WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM] = [720, 420, 60, 20, 40, 50];
/** a step per quantile beyond this would be finer than a pixel and only bloat the file */
const MAX_STEPS = 300;
const COLORS = { 'in-place': '#d62728', bootshift: '#1f77b4' } as const;

function niceStep(range: number): number {
  const raw = range / 6;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  return ([1, 2, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
}

export function cdfSvg({ params, results }: Comparison): string {
  const longest = Math.max(...results.map((r) => r.bootTimes[r.bootTimes.length - 1] ?? 0));
  const step = niceStep(longest);
  const xMax = Math.ceil(longest / step) * step;
  const x = (t: number) => (LEFT + (t / xMax) * (WIDTH - LEFT - RIGHT)).toFixed(1);
  const y = (p: number) => (HEIGHT - BOTTOM - p * (HEIGHT - TOP - BOTTOM)).toFixed(1);
  const parts: string[] = [];
  for (let t = 0; t <= xMax + 1e-9; t += step) {
    parts.push(`<line x1="${x(t)}" y1="${y(0)}" x2="${x(t)}" y2="${y(1)}" stroke="#eee"/>`);
    parts.push(`<text x="${x(t)}" y="${HEIGHT - BOTTOM + 18}" text-anchor="middle">${Math.round(t)}</text>`);
  }
  for (const p of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(`<line x1="${x(0)}" y1="${y(p)}" x2="${x(xMax)}" y2="${y(p)}" stroke="#eee"/>`);
    parts.push(`<text x="${LEFT - 8}" y="${y(p)}" text-anchor="end" dominant-baseline="middle">${p}</text>`);
  }
  results.forEach((r, i) => {
    const steps = Math.min(r.bootTimes.length, MAX_STEPS);
    const points = Array.from({ length: steps }, (_, k) => {
      const t = x(percentile(r.bootTimes, (k + 1) / steps));
      return `${t},${y(k / steps)} ${t},${y((k + 1) / steps)}`;
    });
    parts.push(`<polyline fill="none" stroke="${COLORS[r.policy]}" stroke-width="2" points="${points.join(' ')}"/>`);
    parts.push(`<text x="${WIDTH - RIGHT - 150}" y="${HEIGHT - BOTTOM - 40 + i * 18}" fill="${COLORS[r.policy]}">${r.policy}</text>`);
  });
  const title = `Boot time CDF: ${params.vms} VMs on ${params.hosts} hosts, seed ${params.seed}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="14">${title}</text>`,
    ...parts,
    `<text x="${(LEFT + WIDTH - RIGHT) / 2}" y="${HEIGHT - 10}" text-anchor="middle">seconds from request to boot complete</text>`,
    `<text transform="translate(16 ${(TOP + HEIGHT - BOTTOM) / 2}) rotate(-90)" text-anchor="middle">fraction of VMs booted</text>`,
    '</svg>',
    '',
  ].join('\n');
}
