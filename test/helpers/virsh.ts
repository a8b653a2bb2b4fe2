// What libvirt itself says, line by line, for tests that check bootshift's view against the hypervisor's.
import { virsh } from '../../lab/virsh';

export async function virshLines(uri: string, args: string[]): Promise<string[]> {
  return (await virsh(uri, args))
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}
