// Entry point: npx ts-node simulator/run.ts --seed 1 --hosts 100 --vms 1000 [--calibration p4.json] [--svg path]
// Prints a Markdown table for bench/RESULTS.md and writes the boot-time CDF as SVG.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from './args';
import { compare } from './compare';
import { markdown } from './report';
import { cdfSvg } from './svg';

const { params, svg } = parseArgs(process.argv);
const comparison = compare(params);
mkdirSync(path.dirname(svg), { recursive: true });
writeFileSync(svg, cdfSvg(comparison));
process.stdout.write(markdown(comparison, ['npx ts-node simulator/run.ts', ...process.argv.slice(2)].join(' ')));
