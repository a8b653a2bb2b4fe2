// Where the CLI looks for Temporal, in order: flags, environment, the dev environment's env.json, the default; and
// an invalid value is reported under the name of the place it came from.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveOptions, resolveStateDir } from '../../../cli/options';
import type { DevEnvRecord } from '../../../devenv/dev-env';

const cwd = '/work/project';
const devEnv = {
  stateDir: '/work/project/.bootshift/dev',
  fleet: 'lab',
  temporal: { address: '127.0.0.1:41000', uiUrl: 'http://127.0.0.1:41001/' },
} as DevEnvRecord;
const withDevEnv = (dir: string) => (dir === devEnv.stateDir ? devEnv : undefined);
const none = () => undefined;

test('with nothing set it is the local default server, namespace "default" and fleet "lab"', () => {
  expect(resolveOptions({}, { env: {}, cwd }, none)).toEqual({
    address: '127.0.0.1:7233',
    namespace: 'default',
    uiUrl: null,
    stateDir: '/work/project/.bootshift/dev',
    fleet: 'lab',
    taskQueue: 'bootshift',
    devEnv: undefined,
    addressSource: 'default',
  });
});

test('the task queue: --task-queue, then $BOOTSHIFT_TASK_QUEUE (the worker\'s), then the dev environment\'s', () => {
  const recorded = (dir: string) => (dir === devEnv.stateDir ? { ...devEnv, taskQueue: 'dev-queue' } : undefined);
  expect(resolveOptions({}, { env: {}, cwd }, recorded).taskQueue).toBe('dev-queue');
  expect(resolveOptions({}, { env: { BOOTSHIFT_TASK_QUEUE: 'prod-vms' }, cwd }, recorded).taskQueue).toBe('prod-vms');
  expect(resolveOptions({ taskQueue: 'other' }, { env: { BOOTSHIFT_TASK_QUEUE: 'prod-vms' }, cwd }, recorded).taskQueue).toBe('other');
  expect(() => resolveOptions({}, { env: { BOOTSHIFT_TASK_QUEUE: 'a queue' }, cwd }, none)).toThrow(
    expect.objectContaining({ exitCode: 2, message: 'BOOTSHIFT_TASK_QUEUE: must be a task queue name (1-200 of A-Z, a-z, 0-9, "._-")' }),
  );
});

test('a running dev environment supplies address, UI URL (without trailing slash) and fleet', () => {
  const opts = resolveOptions({}, { env: {}, cwd }, withDevEnv);
  expect(opts).toMatchObject({ address: '127.0.0.1:41000', uiUrl: 'http://127.0.0.1:41001', fleet: 'lab', devEnv });
  expect(opts.addressSource).toBe(path.join(devEnv.stateDir, 'env.json'));
});

test('environment variables beat env.json, flags beat both', () => {
  const env = { TEMPORAL_ADDRESS: 'temporal.example:7233', TEMPORAL_NAMESPACE: 'prod', BOOTSHIFT_TEMPORAL_UI: 'https://ui.example' };
  expect(resolveOptions({}, { env, cwd }, withDevEnv)).toMatchObject({
    address: 'temporal.example:7233',
    namespace: 'prod',
    uiUrl: 'https://ui.example',
    addressSource: 'TEMPORAL_ADDRESS',
    // Another server than the dev environment's: its UI and fleet are not borrowed.
    devEnv: undefined,
    fleet: 'lab',
  });
  const flags = { address: '10.1.2.3:7233', namespace: 'staging', uiUrl: 'http://ui:8080', fleet: 'east' };
  expect(resolveOptions(flags, { env, cwd }, withDevEnv)).toMatchObject({ ...flags, addressSource: '--address' });
});

test('--state-dir, then $BOOTSHIFT_STATE_DIR, relative to the current directory', () => {
  expect(resolveStateDir({ stateDir: 'x' }, { env: { BOOTSHIFT_STATE_DIR: '/abs' }, cwd })).toBe('/work/project/x');
  expect(resolveStateDir({}, { env: { BOOTSHIFT_STATE_DIR: '/abs' }, cwd })).toBe('/abs');
});

test('every invalid value is reported at once, named by its source, as a usage error', () => {
  const flags = { uiUrl: 'ftp://x', fleet: 'Bad_Fleet' };
  const env = { TEMPORAL_ADDRESS: 'no-port', TEMPORAL_NAMESPACE: 'a b' };
  const message = [
    'TEMPORAL_ADDRESS: must be host:port',
    'TEMPORAL_NAMESPACE: must be a namespace name (A-Z, a-z, 0-9, "._-")',
    '--ui-url: must be an http(s) URL',
    '--fleet: must be 1-63 characters of a-z, 0-9 and "-", starting with a letter',
  ].join('\n');
  expect(() => resolveOptions(flags, { env, cwd }, none)).toThrow(expect.objectContaining({ exitCode: 2, message }));
});

describe('TLS, as the worker reads it: all or nothing', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bootshift-tls-'));
  const pem = (name: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, `-----BEGIN ${name.toUpperCase()}-----\nAAAA\n-----END ${name.toUpperCase()}-----\n`);
    return file;
  };
  const [cert, key, ca] = [pem('certificate'), pem('private key'), pem('ca')];

  test('a key without a certificate is a usage error naming the missing setting by where it is set', () => {
    expect(() => resolveOptions({ tlsKey: key }, { env: {}, cwd }, none)).toThrow(/--tls-cert \/ TEMPORAL_TLS_CERT: is required when a client key is given/);
    expect(() => resolveOptions({}, { env: { TEMPORAL_TLS_CERT: cert }, cwd }, none)).toThrow(/--tls-key \/ TEMPORAL_TLS_KEY: is required/);
  });

  test('a server name alone is an error, not plaintext', () => {
    expect(() => resolveOptions({ tlsServerName: 'temporal.internal' }, { env: {}, cwd }, none)).toThrow(/TEMPORAL_TLS_CA: is required when a server name is given/);
  });

  test('an unreadable file names its variable', () => {
    expect(() => resolveOptions({}, { env: { TEMPORAL_TLS_CA: path.join(dir, 'missing.pem') }, cwd }, none)).toThrow(/TEMPORAL_TLS_CA: cannot read .*missing\.pem \(ENOENT\)/);
  });

  test('complete settings are read once, as PEM text', () => {
    const opts = resolveOptions({ tlsCert: cert, tlsKey: key }, { env: { TEMPORAL_TLS_CA: ca, TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' }, cwd }, none);
    expect(opts.tls).toEqual({
      certPem: readFileSync(cert, 'utf8'),
      keyPem: readFileSync(key, 'utf8'),
      caPem: readFileSync(ca, 'utf8'),
      serverName: 'temporal.internal',
    });
  });
});
