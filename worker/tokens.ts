// Boot-complete tokens: an HMAC of the VM's workflow id under the gateway's secret. Nothing is stored (the gateway
// recomputes it), a token is only good for its own VM, and the secret never leaves the worker process (tokens go into
// the domain definition from an activity, never into workflow history).
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface TokenSigner {
  tokenFor(workflowId: string): string;
  /** Constant-time comparison; false for any malformed token. */
  verify(workflowId: string, token: string): boolean;
}

export function createTokenSigner(secret: string): TokenSigner {
  const tokenFor = (workflowId: string) => createHmac('sha256', secret).update(workflowId, 'utf8').digest('base64url');
  return {
    tokenFor,
    verify(workflowId, token) {
      const expected = Buffer.from(tokenFor(workflowId), 'utf8');
      const given = Buffer.from(token, 'utf8');
      // Compare equal-length buffers either way, so the time taken says nothing about the token.
      const same = timingSafeEqual(expected, given.length === expected.length ? given : Buffer.alloc(expected.length));
      return same && given.length === expected.length;
    },
  };
}
