// Free loopback ports for the servers the lab starts, so several environments (tests, CI, a developer's `dev up`)
// can run side by side on one machine.
//
// The ports come from below the kernel's ephemeral range. A restart on the same address (a persistent dev server, a
// fault test) leaves the port unbound for a while, and a port from that range (what binding port 0 gives) can then be
// handed to anyone else's bind(0) or outgoing connection; the restarted server fails to bind. The Temporal dev server
// makes that an exit with code 2: it checks the port, and panics when the port is gone by the time it listens. The
// Temporal restart fault test once failed in CI with exactly that exit code.
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';

/** Below the ephemeral range there is room for this many ports (from 10000 up) or the range is unusual. */
const LOWEST = 10_000;
const MIN_ROOM = 1_000;
const ATTEMPTS = 200;

export async function freePort(host = '127.0.0.1'): Promise<number> {
  const top = ephemeralRangeStart();
  if (top - LOWEST >= MIN_ROOM) {
    for (let i = 0; i < ATTEMPTS; i += 1) {
      const port = await tryListen(randomInt(LOWEST, top), host);
      if (port !== undefined) return port;
    }
  }
  // No room below the range (or every try was taken): the kernel's pick is still free now, just not for restarts.
  const port = await tryListen(0, host);
  if (port === undefined) throw new Error(`could not find a free port on ${host}`);
  return port;
}

export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort(host));
  return [...ports];
}

function ephemeralRangeStart(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return Number.isInteger(low) ? low! : 0;
  } catch {
    return 0;
  }
}

/** The port bound (then released), or undefined when it is in use. */
async function tryListen(port: number, host: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE' || err.code === 'EACCES') resolve(undefined);
      else reject(err);
    });
    server.listen({ port, host, exclusive: true }, () => {
      const address = server.address();
      server.close(() => resolve(address && typeof address === 'object' ? address.port : undefined));
    });
  });
}
