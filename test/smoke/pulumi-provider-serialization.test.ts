// The VirtualMachine provider must survive what Pulumi does to it: serialized with Pulumi's own closure serializer,
// loaded back from text in a fresh module (as the dynamic-provider plugin process does) and called. It must also
// serialize to the same text every time, or every `pulumi up` would see a changed provider and replace every VM.
import Module from 'node:module';
import path from 'node:path';
import { runtime } from '@pulumi/pulumi';
import { virtualMachineProvider } from '../../pulumi/provider';

jest.setTimeout(120_000);

type Provider = typeof virtualMachineProvider;

async function roundTrip(): Promise<{ text: string; provider: Provider }> {
  const { text, exportName } = await runtime.serializeFunction(() => virtualMachineProvider, { allowSecrets: true });
  // Load it the way the dynamic-provider plugin does: as a module compiled from a string, outside this file's scope.
  const filename = path.join(process.cwd(), '__provider__.js');
  const m = new Module(filename);
  m.filename = filename;
  m.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(process.cwd());
  (m as unknown as { _compile(code: string, file: string): void })._compile(text, filename);
  return { text, provider: (m.exports as Record<string, () => Provider>)[exportName]!() };
}

const inputs = {
  name: 'web',
  vcpus: 2,
  memoryMiB: 512,
  image: { kind: 'kernel', kernel: '/boot/vmlinuz', initrd: '/boot/initrd.img' },
  project: 'quickstart',
  stack: 'dev',
  connection: { address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'bootshift' },
};

test('the serialized provider checks inputs with the domain schema, naming the field', async () => {
  const { provider } = await roundTrip();
  // A spec the schema accepts goes on to the worker's own check, through Temporal; nothing listens here, so that
  // second check is what fails, and says so on the connection.
  const ok = await provider.check!({}, { ...inputs, connection: { ...inputs.connection, address: '127.0.0.1:1' } });
  expect(ok.failures).toEqual([{ property: 'connection.address', reason: expect.stringMatching(/^cannot check the VM with the bootshift worker through Temporal at 127\.0\.0\.1:1/) }]);
  expect(ok.inputs).toMatchObject({ bootTimeoutSeconds: 300, waitFor: 'settled', fleet: 'default' });
  const bad = await provider.check!({}, { ...inputs, vcpus: 0, image: { kind: 'kernel', kernel: 'relative/path', initrd: '/i' } });
  expect(bad.failures).toEqual(
    expect.arrayContaining([
      { property: 'vcpus', reason: 'must be an integer from 1 to 64' },
      { property: 'image.kernel', reason: expect.stringMatching(/must be an absolute path/) },
    ]),
  );
});

test('the serialized provider diffs: size and image replace (delete first), connection changes do not', async () => {
  const { provider } = await roundTrip();
  const olds = { ...inputs, host: 'settle-1', bootHost: 'boot-1', phase: 'settled' };
  expect(await provider.diff!('vm/quickstart/dev/web', olds, { ...inputs, vcpus: 4 })).toMatchObject({ replaces: ['vcpus'], deleteBeforeReplace: true });
  const image = { ...inputs.image, initrd: '/boot/other.img' };
  expect(await provider.diff!('vm/quickstart/dev/web', olds, { ...inputs, image })).toMatchObject({ replaces: ['image'] });
  const moved = await provider.diff!('vm/quickstart/dev/web', olds, { ...inputs, connection: { ...inputs.connection, address: '10.0.0.1:7233' } });
  expect(moved).toMatchObject({ changes: true, replaces: [] });
  expect(await provider.diff!('vm/quickstart/dev/web', olds, inputs)).toMatchObject({ changes: false, replaces: [] });
});

test('serialization is stable, so an unchanged program never sees a changed provider', async () => {
  const [a, b] = await Promise.all([roundTrip(), roundTrip()]);
  expect(a.text).toBe(b.text);
  // Nothing of this process is captured: no client, no config, no absolute path of this checkout.
  expect(a.text).not.toContain(process.cwd());
  expect(a.text).toContain("require('bootshift/lib/pulumi/provider-impl')");
});
