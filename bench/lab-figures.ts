// Figures for the lab itself (start, guest boot-to-phone-home, live migration), so slowdowns in the lab can be told
// apart from slowdowns in bootshift. Run: npx ts-node bench/lab-figures.ts [--samples 5]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { guestDomainXml } from '../lab/guest-domain-xml';
import { guestImage } from '../devenv/tools';
import { startLab, stopLab, type Lab, type LabHost } from '../devenv/lab-hosts';
import { startPhoneHomeCatcher, type PhoneHomeCatcher } from '../lab/phone-home-catcher';
import { virsh } from '../lab/virsh';

const samples = Number(process.argv[process.argv.indexOf('--samples') + 1]) || 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const start = performance.now();
  const result = await fn();
  return [Math.round(performance.now() - start), result];
}

async function bootGuest(lab: Lab, host: LabHost, catcher: PhoneHomeCatcher): Promise<[number, string]> {
  const id = `bench-${randomBytes(4).toString('hex')}`;
  const xmlFile = path.join(lab.sharedDir, `${id}.xml`);
  const params = { url: catcher.guestUrl(id), token: randomBytes(12).toString('base64url'), id };
  writeFileSync(xmlFile, guestDomainXml({ name: id, image: guestImage(), params, consoleFile: `${xmlFile}.console` }));
  const [ms] = await timed(async () => {
    await virsh(host.uri, ['create', xmlFile]);
    await catcher.next(id, 5 * 60_000);
  });
  return [ms, id];
}

async function main(): Promise<void> {
  const dir = `/tmp/bs-bench-${randomBytes(3).toString('hex')}`;
  const coldCache = mkdtempSync('/tmp/bs-caps-');
  const catcher = await startPhoneHomeCatcher();
  try {
    const [coldStartMs] = await timed(() => startLab({ dir, boot: 2, settle: 1, capsCacheDir: coldCache }));
    const [stopMs] = await timed(() => stopLab(dir));
    const [startMs, lab] = await timed(() => startLab({ dir, boot: 2, settle: 1 }));
    const [a, , b] = lab.hosts as [LabHost, LabHost, LabHost];

    const bootMs: number[] = [];
    for (let i = 0; i < samples; i++) {
      const [ms, id] = await bootGuest(lab, a, catcher);
      bootMs.push(ms);
      await virsh(a.uri, ['destroy', id]);
    }

    const [, id] = await bootGuest(lab, a, catcher);
    const migrateMs: number[] = [];
    for (let i = 0; i < samples; i++) {
      const [from, to] = i % 2 === 0 ? [a, b] : [b, a];
      const args = ['migrate', '--live', id, to.uri, '--migrateuri', 'tcp://127.0.0.1'];
      migrateMs.push((await timed(() => virsh(from.uri, args)))[0]);
    }
    const figures = {
      labStartColdCapsCacheMs: coldStartMs,
      labStartMs: startMs,
      labStopMs: stopMs,
      bootToPhoneHomeMs: { median: median(bootMs), samples: bootMs },
      migrationMs: { median: median(migrateMs), samples: migrateMs },
    };
    console.log(JSON.stringify(figures, null, 2));
  } finally {
    await stopLab(dir);
    await catcher.close();
    rmSync(coldCache, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
