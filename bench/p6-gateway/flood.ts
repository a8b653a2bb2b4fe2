// The hostile guest of P6, in a process of its own (a guest is another machine; in the benchmark's process its
// requests would also steal the event loop the measured client runs on). Until told to stop (SIGTERM) it keeps
// `--lanes` requests in flight, cycling through bad tokens for one VM, junk paths and malformed phone-homes, and holds
// `--slow` connections that send half a body and then nothing. On stop it prints its answers by kind and status.
// Run by bench/p6-gateway/index.ts: node -r ts-node/register/transpile-only flood.ts BASE TARGET_PATH FORGED_TOKEN LANES SLOW
import net from 'node:net';

const [base, targetPath, forgedToken, lanesArg, slowArg] = process.argv.slice(2) as [string, string, string, string, string];
const counts: Record<string, Record<number, number>> = {};
let stopping = false;

const kinds: [string, () => string][] = [
  ['bad token', () => `${targetPath}?token=${forgedToken}`],
  ['junk', () => `/wp-admin/${Math.random().toString(36).slice(2)}`],
  ['malformed', () => '/boot/x?token=y'],
];

async function lane(offset: number): Promise<void> {
  for (let i = offset; !stopping; i += 1) {
    const [kind, path] = kinds[i % kinds.length]!;
    const res = await fetch(base + path()).catch(() => undefined);
    await res?.arrayBuffer();
    const status = res?.status ?? 0;
    const byStatus = (counts[kind] ??= {});
    byStatus[status] = (byStatus[status] ?? 0) + 1;
  }
}

/** Connections that announce a body and never finish it; reopened when the gateway cuts them. */
function slowBody(): void {
  if (stopping) return;
  const { port, hostname } = new URL(base);
  const socket = net.connect(Number(port), hostname);
  socket.on('error', () => undefined);
  socket.on('close', () => {
    const byStatus = (counts['slow body cut'] ??= {});
    byStatus[0] = (byStatus[0] ?? 0) + 1;
    slowBody();
  });
  socket.write(`POST ${targetPath} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\ntoken=`);
}

const lanes = Array.from({ length: Number(lanesArg) }, (_, i) => lane(i));
for (let i = 0; i < Number(slowArg); i += 1) slowBody();
process.stdout.write('flooding\n');
process.on('SIGTERM', () => {
  stopping = true;
  void Promise.all(lanes).then(() => {
    process.stdout.write(`${JSON.stringify(counts)}\n`);
    process.exit(0);
  });
});
