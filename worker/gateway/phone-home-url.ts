// The one URL shape guests phone home to. The workflow id is a path segment (percent-encoded, it contains "/"), so
// the gateway knows which VM speaks before it checks the token.
export const PHONE_HOME_PREFIX = '/v1/phone-home/';

export function phoneHomeUrl(publicUrl: string, workflowId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${PHONE_HOME_PREFIX}${encodeURIComponent(workflowId)}`;
}

/** The URL with any token in its query string replaced, for logs. */
export function redactUrl(url: string): string {
  return url.replace(/([?&]token=)[^&]*/gi, '$1[redacted]');
}
