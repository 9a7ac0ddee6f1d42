/**
 * One value of an application/x-www-form-urlencoded body, both ways. Callers: the HTTP source's
 * OAuth2 client authentication (RFC 6749 §2.3.1 has the client id and secret form-encoded before
 * Basic) and the token request's error hiding (token-request-errors.ts), which looks for a secret
 * in each form an endpoint may quote it back in; and the names of query parameters, decoded, for the
 * log masking (url-credentials.ts, http-client's redactUrl) and the HTTP source's partition keys.
 *
 * FROZEN: the partition keys (offset-key-v0.ts … offset-key-v3.ts) decide which parameter names are
 * secret with formDecoded, so its answers must stay what they are for every text (a change of its `+`
 * reading or of its fallback for a malformed `%` would move every key version's keys); an OAuth or
 * masking need for another decoding is another function.
 */

/** `text` form-encoded, as a form field's value is sent. */
export function formEncoded(text: string): string {
  return new URLSearchParams([["", text]]).toString().slice(1);
}

/** A form-encoded `text` decoded (itself when it is not such text). */
export function formDecoded(text: string): string {
  try {
    return decodeURIComponent(text.replaceAll("+", " "));
  } catch {
    return text;
  }
}
