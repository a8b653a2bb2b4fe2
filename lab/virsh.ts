// virsh against one lab host, with argument arrays only; the lab and its tests need nothing richer than that.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function virsh(uri: string, args: string[], timeoutMs = 120_000): Promise<string> {
  if (!/^qemu\+unix:\/\/\/system\?socket=\/[A-Za-z0-9._/-]+$/.test(uri)) throw new Error(`not a lab host URI: ${uri}`);
  try {
    const { stdout } = await run('virsh', ['-c', uri, ...args], { timeout: timeoutMs });
    return stdout.trim();
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new Error(`virsh ${args.join(' ')} on ${uri} failed: ${stderr || (err as Error).message}`);
  }
}
