// How a Pulumi program reaches bootshift's Temporal: stack config (`bootshift:*`) first, then the environment, read
// once per program. The result travels to the provider process as an input of each VirtualMachine (the provider runs
// elsewhere and sees neither), with the TLS key and the payload encryption keys wrapped as secrets so they never land
// in state in clear.
import { readFileSync } from 'node:fs';
import * as pulumi from '@pulumi/pulumi';
import { withoutUndefined } from '../domain';
import { parseCodecKeys, readCodecKeys } from '../worker/payload-codec';
import type { TemporalConnectionSettings } from '../worker/temporal-connection';

export interface ConnectionSettings extends TemporalConnectionSettings {
  taskQueue: string;
  /** Base URL of the Temporal Web UI, for links in outputs. */
  uiUrl?: string;
}

let cached: pulumi.Output<ConnectionSettings> | undefined;

export function connectionSettings(): pulumi.Output<ConnectionSettings> {
  if (cached) return cached;
  const config = new pulumi.Config('bootshift');
  const env = process.env;
  const read = (file: string | undefined) => (file ? readFileSync(file, 'utf8') : undefined);
  const certPem = config.get('tlsCert') ?? read(env.TEMPORAL_TLS_CERT);
  const caPem = config.get('tlsCa') ?? read(env.TEMPORAL_TLS_CA);
  const serverName = config.get('tlsServerName') ?? env.TEMPORAL_TLS_SERVER_NAME;
  const keyPem = config.getSecret('tlsKey') ?? (env.TEMPORAL_TLS_KEY ? pulumi.secret(read(env.TEMPORAL_TLS_KEY)!) : undefined);
  // The payload encryption keys (the worker's key file, as JSON): a secret, like the TLS key. The file is checked as
  // the worker checks it (owner-only, well-formed); keys given in stack config are checked as they are decrypted.
  const codecKeys =
    config.getSecret('codecKeys') ??
    (env.BOOTSHIFT_CODEC_KEY_FILE ? pulumi.secret(JSON.stringify(readCodecKeys(env.BOOTSHIFT_CODEC_KEY_FILE, 'BOOTSHIFT_CODEC_KEY_FILE'))) : undefined);
  const plain = {
    address: config.get('temporalAddress') ?? env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
    namespace: config.get('namespace') ?? env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue: config.get('taskQueue') ?? env.BOOTSHIFT_TASK_QUEUE ?? 'bootshift',
    uiUrl: config.get('temporalUiUrl') ?? env.BOOTSHIFT_TEMPORAL_UI,
  };
  const hasTls = certPem || caPem || keyPem || serverName;
  cached = pulumi.all([keyPem ?? '', codecKeys ?? '']).apply(([key, codec]) => ({
    ...withoutUndefined(plain),
    ...(hasTls && { tls: withoutUndefined({ certPem, caPem, serverName, keyPem: key || undefined }) }),
    ...(codec && { codecKeys: parseCodecKeys(codec, 'bootshift:codecKeys') }),
  }));
  return cached;
}
