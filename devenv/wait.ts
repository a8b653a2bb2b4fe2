// Polling with a deadline, for the few things that give no event to wait on (a daemon's socket coming up, a server
// answering). Its error names what was awaited, so a slow machine yields a message rather than a hang.
export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  what: string;
}

export async function waitFor(check: () => Promise<boolean> | boolean, opts: WaitOptions): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() >= deadline) throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${opts.what}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 200));
  }
}
