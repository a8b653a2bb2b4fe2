// A stand-in for the boot gateway in lab tests and benchmarks: an HTTP server on loopback that records the lab
// guest's phone-home requests (the guest reaches it through slirp at 10.0.2.2) and lets callers await them.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PhoneHome {
  id: string;
  form: Record<string, string>;
  headers: IncomingHttpHeaders;
  at: number;
}

export interface PhoneHomeCatcher {
  /** The URL a guest with this id should post to. */
  guestUrl(id: string): string;
  next(id: string, timeoutMs: number): Promise<PhoneHome>;
  close(): Promise<void>;
}

export async function startPhoneHomeCatcher(): Promise<PhoneHomeCatcher> {
  const received: PhoneHome[] = [];
  const waiters = new Set<() => void>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const id = decodeURIComponent(/^\/v1\/phone-home\/(.+)$/.exec(req.url ?? '')?.[1] ?? '');
      if (req.method !== 'POST' || !id) {
        res.writeHead(404).end();
        return;
      }
      const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      received.push({ id, form, headers: req.headers, at: Date.now() });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      waiters.forEach((wake) => wake());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const next = (id: string, timeoutMs: number): Promise<PhoneHome> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const index = received.findIndex((call) => call.id === id);
        if (index < 0) return;
        done();
        resolve(received.splice(index, 1)[0] as PhoneHome);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no phone-home from ${id} within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  return {
    guestUrl: (id) => `http://10.0.2.2:${port}/v1/phone-home/${encodeURIComponent(id)}`,
    next,
    close: () =>
      new Promise((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
