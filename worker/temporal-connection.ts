// How every part of bootshift reaches Temporal: the worker, the Pulumi provider and the CLI describe a connection
// the same way (address, namespace, optional TLS as PEM text, optional payload encryption keys) and turn it into the
// SDK's options here, once. TLS is all or nothing: a partial setting (a key without a certificate, a server name with
// nothing to verify against) is an error naming what is missing, never a silent fall back to plaintext. With codec
// keys, every payload is sealed before it leaves the process (payload-codec.ts).
import { readFileSync } from 'node:fs';
import { Client, Connection, type DataConverter, type TLSConfig } from '@temporalio/client';
import { z } from 'zod';
import { ValidationError, formatIssues, withoutUndefined } from '../domain';
import { createEncryptionCodec, keyFileSchema, type CodecKeys } from './payload-codec';

export const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/;
export const NAMESPACE = /^[A-Za-z0-9._-]{1,255}$/;
export const TASK_QUEUE = /^[A-Za-z0-9._-]{1,200}$/;

const pem = z.string().regex(/-----BEGIN [A-Z0-9 ]+-----/, { error: 'must be PEM text (-----BEGIN ...-----)' });

/** Client certificate and key (mutual TLS), the CA that signed the server's certificate, the name to verify. */
export const tlsSettingsSchema = z
  .strictObject({ certPem: pem.optional(), keyPem: pem.optional(), caPem: pem.optional(), serverName: z.string().min(1).optional() })
  .superRefine((tls, ctx) => {
    const missing = (field: string, why: string) => ctx.addIssue({ code: 'custom', path: [field], message: `is required ${why}` });
    if (tls.keyPem && !tls.certPem) missing('certPem', 'when a client key is given (mutual TLS needs both)');
    if (tls.certPem && !tls.keyPem) missing('keyPem', 'when a client certificate is given (mutual TLS needs both)');
    if (tls.serverName && !tls.caPem && !tls.certPem) {
      missing('caPem', 'when a server name is given (set the CA to verify the server against, or a client certificate)');
    }
  });

export type TlsSettings = z.output<typeof tlsSettingsSchema>;

export interface TemporalConnectionSettings {
  address: string;
  namespace: string;
  tls?: TlsSettings;
  /** Payload encryption keys: every client and worker of a namespace must share them. */
  codecKeys?: CodecKeys;
}

/** The data converter for these settings: payloads sealed with the codec keys, when there are any. */
export function dataConverterFor(settings: Pick<TemporalConnectionSettings, 'codecKeys'>): DataConverter | undefined {
  return settings.codecKeys ? { payloadCodecs: [createEncryptionCodec(settings.codecKeys)] } : undefined;
}

/** Checks a connection's settings as given by a user (Pulumi stack config, CLI flags), naming each field. */
export const connectionSettingsSchema = z.object({
  address: z.string().regex(HOST_PORT, { error: 'must be host:port' }),
  namespace: z.string().regex(NAMESPACE, { error: 'must be a namespace name (A-Z, a-z, 0-9, "._-")' }),
  tls: tlsSettingsSchema.optional(),
  codecKeys: keyFileSchema.optional(),
});

/** The SDK's TLS options; undefined means plaintext, which only an absent TLS setting gives. */
export function tlsConfig(tls: TlsSettings | undefined): TLSConfig | undefined {
  if (!tls) return undefined;
  const checked = tlsSettingsSchema.parse(tls);
  return {
    ...(checked.serverName && { serverNameOverride: checked.serverName }),
    ...(checked.caPem && { serverRootCACertificate: Buffer.from(checked.caPem) }),
    ...(checked.certPem && checked.keyPem && { clientCertPair: { crt: Buffer.from(checked.certPem), key: Buffer.from(checked.keyPem) } }),
  };
}

export interface TlsFiles {
  cert?: string;
  key?: string;
  ca?: string;
  serverName?: string;
}

/**
 * TLS settings from files (worker and CLI configuration), checked: any problem is reported under `label(field)`, the
 * name the user set it by (an environment variable, a flag), so the message says what to fix.
 */
export function readTlsFiles(files: TlsFiles, label: (field: keyof TlsFiles) => string): TlsSettings | undefined {
  if (!files.cert && !files.key && !files.ca && !files.serverName) return undefined;
  const problems: string[] = [];
  const read = (field: 'cert' | 'key' | 'ca') => {
    const file = files[field];
    if (!file) return undefined;
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      problems.push(`${label(field)}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
      return undefined;
    }
  };
  const settings = withoutUndefined({ certPem: read('cert'), keyPem: read('key'), caPem: read('ca'), serverName: files.serverName });
  if (problems.length === 0) {
    const fieldOf = { certPem: 'cert', keyPem: 'key', caPem: 'ca', serverName: 'serverName' } as const;
    const result = tlsSettingsSchema.safeParse(settings);
    if (!result.success) {
      problems.push(...formatIssues(result.error.issues, (key) => label(fieldOf[key as keyof typeof fieldOf])));
    }
  }
  if (problems.length > 0) throw new ValidationError('invalid TLS settings', problems);
  return settings;
}

/** One client for one piece of work, closed afterwards (the provider and the CLI run short-lived). */
export async function withClient<T>(
  settings: TemporalConnectionSettings,
  run: (client: Client) => Promise<T>,
  connectTimeoutMs?: number,
): Promise<T> {
  const tls = tlsConfig(settings.tls);
  const connection = await Connection.connect({
    address: settings.address,
    ...(tls && { tls }),
    ...(connectTimeoutMs && { connectTimeout: connectTimeoutMs }),
  });
  try {
    const dataConverter = dataConverterFor(settings);
    return await run(new Client({ connection, namespace: settings.namespace, ...(dataConverter && { dataConverter }) }));
  } finally {
    await connection.close();
  }
}

/** The Temporal Web UI page of one workflow run's history, for links in outputs, status and logs. */
export function historyUrl(uiUrl: string, namespace: string, workflowId: string, runId: string): string {
  const ns = encodeURIComponent(namespace);
  return `${uiUrl.replace(/\/+$/, '')}/namespaces/${ns}/workflows/${encodeURIComponent(workflowId)}/${encodeURIComponent(runId)}/history`;
}
