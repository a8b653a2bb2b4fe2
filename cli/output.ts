// Two output shapes only: JSON for scripts (`--json`, and nothing else on stdout) and borderless, colourless tables
// for people, which also read well in CI logs and grep.
import Table from 'cli-table3';

export function writeJson(out: NodeJS.WritableStream, value: unknown): void {
  out.write(`${JSON.stringify(value, null, 2)}\n`);
}

const BORDERLESS = Object.fromEntries(
  ['top', 'top-mid', 'top-left', 'top-right', 'bottom', 'bottom-mid', 'bottom-left', 'bottom-right', 'left', 'left-mid', 'mid', 'mid-mid', 'right', 'right-mid'].map((c) => [c, '']),
);

export function renderTable(head: string[], rows: Array<Array<string | number>>): string {
  const table = new Table({
    head,
    chars: { ...BORDERLESS, middle: '  ' },
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
  });
  table.push(...rows);
  // Lines end in the padding of the last column; trailing blanks only get in the way of diffs and tests.
  return table.toString().split('\n').map((line) => line.trimEnd()).join('\n');
}
