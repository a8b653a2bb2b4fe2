// The worker's configuration is parsed once at start: every problem is reported under the variable's name, and a
// partial TLS setting stops the worker instead of connecting in plaintext.
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../../worker/config';

const dir = mkdtempSync(path.join(tmpdir(), 'bootshift-config-'));
const base = {
  BOOTSHIFT_INVENTORY: '/etc/bootshift/inventory.yaml',
  BOOTSHIFT_GATEWAY_SECRET: 'x'.repeat(40),
  BOOTSHIFT_DATABASE_URL: 'postgresql://bootshift@db.internal:5432/bootshift',
};
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

test('the gateway secret file must exist and be private, each problem naming its variable', () => {
  const missing = path.join(dir, 'no-such-secret');
  expect(() => loadConfig({ BOOTSHIFT_INVENTORY: '/i.yaml', BOOTSHIFT_GATEWAY_SECRET_FILE: missing })).toThrow(
    new RegExp(`BOOTSHIFT_GATEWAY_SECRET_FILE: cannot read ${missing} \\(ENOENT\\)`),
  );
  const open = path.join(dir, 'open-secret');
  writeFileSync(open, 'y'.repeat(40), { mode: 0o644 });
  expect(() => loadConfig({ BOOTSHIFT_INVENTORY: '/i.yaml', BOOTSHIFT_GATEWAY_SECRET_FILE: open })).toThrow(/BOOTSHIFT_GATEWAY_SECRET_FILE: .* is readable by others \(mode 644\)/);
});

test('a listen port of 0 is refused: guests could not be told where the gateway is', () => {
  expect(() => loadConfig({ ...base, BOOTSHIFT_GATEWAY_LISTEN: '127.0.0.1:0' })).toThrow(/BOOTSHIFT_GATEWAY_LISTEN: port must be from 1 to 65535/);
});

describe('the metrics endpoint', () => {
  test('is off unless asked for', () => {
    expect(loadConfig(base).metrics).toBeUndefined();
    expect(loadConfig({ ...base, BOOTSHIFT_METRICS_LISTEN: 'off' }).metrics).toBeUndefined();
  });

  test('listens on an IP address, v4 or v6', () => {
    expect(loadConfig({ ...base, BOOTSHIFT_METRICS_LISTEN: '127.0.0.1:9464' }).metrics).toEqual({ listen: { host: '127.0.0.1', port: 9464 } });
    expect(loadConfig({ ...base, BOOTSHIFT_METRICS_LISTEN: '[::1]:9464' }).metrics).toEqual({ listen: { host: '::1', port: 9464 } });
  });

  test('refuses a host name (the exporter binds addresses only), port 0 and anything not host:port, naming the variable', () => {
    expect(() => loadConfig({ ...base, BOOTSHIFT_METRICS_LISTEN: 'localhost:9464' })).toThrow(/BOOTSHIFT_METRICS_LISTEN: the host must be an IP address/);
    expect(() => loadConfig({ ...base, BOOTSHIFT_METRICS_LISTEN: '127.0.0.1:0' })).toThrow(/BOOTSHIFT_METRICS_LISTEN: port must be from 1 to 65535/);
    expect(() => loadConfig({ ...base, BOOTSHIFT_METRICS_LISTEN: '9464' })).toThrow(/BOOTSHIFT_METRICS_LISTEN: must be host:port/);
  });
});

test('the codec endpoint needs the keys and the UI origin it answers', () => {
  expect(() => loadConfig({ ...base, BOOTSHIFT_CODEC_LISTEN: '127.0.0.1:9999' })).toThrow(/BOOTSHIFT_CODEC_KEY_FILE: is required when BOOTSHIFT_CODEC_LISTEN is set/);
});

describe('the codec endpoint off loopback', () => {
  const codecKeys = path.join(dir, 'codec-keys.json');
  writeFileSync(codecKeys, JSON.stringify({ current: 'k1', keys: { k1: Buffer.alloc(32, 7).toString('base64') } }), { mode: 0o600 });
  const codec = { ...base, BOOTSHIFT_CODEC_KEY_FILE: codecKeys, BOOTSHIFT_CODEC_UI_ORIGIN: 'http://ui.internal:8233' };

  test('is refused without a token, naming the token variable and the address (it would decrypt for anyone)', () => {
    for (const listen of ['0.0.0.0:9999', '10.1.2.3:9999', '[::]:9999', 'codec.internal:9999']) {
      expect(() => loadConfig({ ...codec, BOOTSHIFT_CODEC_LISTEN: listen })).toThrow(
        /BOOTSHIFT_CODEC_AUTH_TOKEN_FILE: is required when BOOTSHIFT_CODEC_LISTEN is not a loopback address/,
      );
    }
  });

  test('is served with a token; on loopback a token is optional', () => {
    const tokenFile = path.join(dir, 'codec-token');
    writeFileSync(tokenFile, 't'.repeat(40), { mode: 0o600 });
    expect(loadConfig({ ...codec, BOOTSHIFT_CODEC_LISTEN: '0.0.0.0:9999', BOOTSHIFT_CODEC_AUTH_TOKEN_FILE: tokenFile }).codecServer).toMatchObject({
      listen: { host: '0.0.0.0', port: 9999 },
      authToken: 't'.repeat(40),
    });
    for (const listen of ['127.0.0.1:9999', '127.3.4.5:9999', '[::1]:9999', 'localhost:9999']) {
      expect(loadConfig({ ...codec, BOOTSHIFT_CODEC_LISTEN: listen }).codecServer?.listen.port).toBe(9999);
    }
  });
});

describe('the ledger database', () => {
  const { BOOTSHIFT_DATABASE_URL: _url, ...noDatabase } = base;

  test('is required, and the message names both ways to give it', () => {
    expect(() => loadConfig(noDatabase)).toThrow(/BOOTSHIFT_DATABASE_URL or BOOTSHIFT_DATABASE_URL_FILE: one is required/);
  });

  test('a URL that is not a PostgreSQL connection string is refused under its variable', () => {
    expect(() => loadConfig({ ...base, BOOTSHIFT_DATABASE_URL: 'mysql://db/x' })).toThrow(/BOOTSHIFT_DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ connection string/);
    expect(() => loadConfig({ ...base, BOOTSHIFT_DATABASE_URL: 'postgresql://db.internal' })).toThrow(/BOOTSHIFT_DATABASE_URL: must name a database/);
  });

  test('a unix socket directory is a host', () => {
    expect(loadConfig({ ...base, BOOTSHIFT_DATABASE_URL: 'postgresql://bootshift@/bootshift?host=/run/bootshift' }).ledger.databaseUrl).toMatch(/host=\/run/);
  });

  test('from a file, which must be private (the URL may carry a password)', () => {
    const file = path.join(dir, 'database-url');
    writeFileSync(file, 'postgresql://bootshift:s3cret@db.internal/bootshift\n', { mode: 0o644 });
    expect(() => loadConfig({ ...noDatabase, BOOTSHIFT_DATABASE_URL_FILE: file })).toThrow(/BOOTSHIFT_DATABASE_URL_FILE: .* is readable by others/);
    chmodSync(file, 0o600);
    expect(loadConfig({ ...noDatabase, BOOTSHIFT_DATABASE_URL_FILE: file }).ledger.databaseUrl).toBe('postgresql://bootshift:s3cret@db.internal/bootshift');
    expect(() => loadConfig({ ...base, BOOTSHIFT_DATABASE_URL_FILE: file })).toThrow(/set only one/);
  });
});
