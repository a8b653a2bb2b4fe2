// The worker's configuration is parsed once at start: every problem is reported under the variable's name, and a
// partial TLS setting stops the worker instead of connecting in plaintext.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../../worker/config';

const dir = mkdtempSync(path.join(tmpdir(), 'bootshift-config-'));
const base = { BOOTSHIFT_INVENTORY: '/etc/bootshift/inventory.yaml', BOOTSHIFT_GATEWAY_SECRET: 'x'.repeat(40) };
const keyFile = path.join(dir, 'client.key');
writeFileSync(keyFile, '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n');

test('a client key without a certificate is refused, naming TEMPORAL_TLS_CERT', () => {
  expect(() => loadConfig({ ...base, TEMPORAL_TLS_KEY: keyFile })).toThrow(ConfigError);
  expect(() => loadConfig({ ...base, TEMPORAL_TLS_KEY: keyFile })).toThrow(/TEMPORAL_TLS_CERT: is required when a client key is given/);
});

test('a server name alone is refused rather than ignored', () => {
  expect(() => loadConfig({ ...base, TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' })).toThrow(/TEMPORAL_TLS_CA: is required when a server name is given/);
});

test('no TLS setting at all is plaintext, on purpose', () => {
  expect(loadConfig(base).temporal.tls).toBeUndefined();
});

test('bad values are listed under their variable names, all at once', () => {
  expect(() => loadConfig({ ...base, TEMPORAL_ADDRESS: 'nowhere', BOOTSHIFT_HYPERVISOR: 'xen' })).toThrow(
    /TEMPORAL_ADDRESS: must be host:port\n {2}BOOTSHIFT_HYPERVISOR: must be "libvirt" or "simulated"/,
  );
});
