// The phone-home protocol on the gateway's side: the one URL shape guests phone home to (the workflow id is a path
// segment, percent-encoded since it contains "/", so the gateway knows which VM speaks before it checks the token), and
// what a request must look like, checked before anything else: which VM, the token (query, form field or header), and
// the optional cloud-init fields. Anything else is a 400 and goes nowhere.
import { z } from 'zod';
import { ID_PATTERN } from '../../domain';
import { BOOT_TOKEN_PATTERN } from '../tokens';

export const PHONE_HOME_PREFIX = '/v1/phone-home/';

export function phoneHomeUrl(publicUrl: string, workflowId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${PHONE_HOME_PREFIX}${encodeURIComponent(workflowId)}`;
}

/**
 * The URL for logs, with every query parameter that decodes to `token` replaced. Parsed, not pattern-matched: the
 * gateway accepts `?tok%65n=` as `token` too, so the redaction must read it the same way.
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = [...new URLSearchParams(url.slice(q + 1))].map(([key, value]): [string, string] => [key, key.toLowerCase() === 'token' ? '[redacted]' : value]);
  return `${url.slice(0, q)}?${new URLSearchParams(params).toString()}`;
}

const field = z.string().max(255).regex(/^[\x20-\x7e]*$/, { error: 'must be printable ASCII' });

export const phoneHomeSchema = z.object({
  vm: z
    .string()
    .regex(ID_PATTERN, { error: 'must be a VM workflow id' })
    .refine((id) => id.startsWith('vm/'), { error: 'must be a VM workflow id (vm/...)' }),
  // base64url of a SHA-256 HMAC
  token: z.string({ error: 'is required (query ?token=, form field token or header X-Bootshift-Token)' }).regex(BOOT_TOKEN_PATTERN, {
    error: 'must be a bootshift boot token',
  }),
  instanceId: field.optional(),
  hostname: field.optional(),
});

export type PhoneHome = z.output<typeof phoneHomeSchema>;

type Bag = Record<string, unknown> | undefined | null;

function pick(bag: Bag, key: string): unknown {
  return bag && typeof bag === 'object' && Object.hasOwn(bag, key) ? bag[key] : undefined;
}

export function readPhoneHome(params: Bag, query: Bag, body: Bag, header: unknown): z.ZodSafeParseResult<PhoneHome> {
  const raw = {
    vm: pick(params, 'vm'),
    token: pick(query, 'token') ?? pick(body, 'token') ?? header,
    instanceId: pick(body, 'instance_id') ?? pick(query, 'instance_id'),
    hostname: pick(body, 'hostname') ?? pick(query, 'hostname'),
  };
  return phoneHomeSchema.safeParse(raw);
}
