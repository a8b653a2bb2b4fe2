// Boot tokens. Each is bound to one run of one VM's provisioning: an HMAC, under the gateway's secret, of the workflow
// id, the run id and a random nonce the workflow keeps. The token carries the run id and the nonce in clear beside the
// MAC, so the gateway needs no state: it checks the MAC in constant time, then sends the boot-complete update to that
// run only, whose validator accepts the nonce once, and only while the VM boots. A VM re-created under the same name
// is a new run with a new nonce, so an old token is worthless. The secret never leaves the worker process (tokens are
// made in an activity and go into the guest, never into workflow history).
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface BootTokenClaims {
  workflowId: string;
  runId: string;
  nonce: string;
}

export interface TokenSigner {
  tokenFor(claims: BootTokenClaims): string;
  /** The run and nonce a genuine token for this VM names; undefined for anything else. */
  verify(workflowId: string, token: string): { runId: string; nonce: string } | undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const uuidBytes = (uuid: string): Buffer => Buffer.from(uuid.replace(/-/g, ''), 'hex');
const uuidOf = (bytes: Buffer): string => {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

/** 16 bytes of run id, 16 of nonce, 32 of MAC: 86 characters of base64url. */
export const BOOT_TOKEN_PATTERN = /^[A-Za-z0-9_-]{86}$/;

export function createTokenSigner(secret: string): TokenSigner {
  const mac = (workflowId: string, runId: string, nonce: string) =>
    createHmac('sha256', secret).update(`bootshift boot token\n${workflowId}\n${runId.toLowerCase()}\n${nonce.toLowerCase()}`, 'utf8').digest();
  return {
    tokenFor({ workflowId, runId, nonce }) {
      if (!UUID.test(runId) || !UUID.test(nonce)) throw new Error('boot tokens bind a run id and a nonce, both UUIDs');
      return Buffer.concat([uuidBytes(runId), uuidBytes(nonce), mac(workflowId, runId, nonce)]).toString('base64url');
    },
    verify(workflowId, token) {
      if (!BOOT_TOKEN_PATTERN.test(token)) return undefined;
      const bytes = Buffer.from(token, 'base64url');
      // The last character carries 2 unused bits: only the one canonical spelling of a token is that token.
      if (bytes.toString('base64url') !== token) return undefined;
      const [runId, nonce] = [uuidOf(bytes.subarray(0, 16)), uuidOf(bytes.subarray(16, 32))];
      // Same-length buffers: the time taken says nothing about how much of the MAC was right.
      return timingSafeEqual(bytes.subarray(32), mac(workflowId, runId, nonce)) ? { runId, nonce } : undefined;
    },
  };
}
