/**
 * The status a connector classifies a response by: its own, or 500 for one outside 100..599, which
 * RFC 9110 §15 calls invalid and tells a client to process as a 5xx (a WAF's 999, a proxy's 600, a
 * 099; Bun hands them through): such an answer is no success. Messages keep the status as it came.
 * Used by the retry policy (retry-policy.ts, which re-exports it) and the OAuth2 token requests (token-request-errors.ts) alike.
 */
export function classifiedStatus(status: number): number {
  return status >= 100 && status <= 599 ? status : 500;
}
