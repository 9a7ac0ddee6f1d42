/**
 * One value of an application/x-www-form-urlencoded body, both ways. Callers: the HTTP source's
 * OAuth2 client authentication (RFC 6749 §2.3.1 has the client id and secret form-encoded before
 * Basic) and the token request's error hiding (token-request-errors.ts), which looks for a secret
 * in each form an endpoint may quote it back in.
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
