/**
 * The secrets a page request carried, which an API's answer may echo (an error page quoting the
 * request URL, a 401 naming the rejected token, a debug echo of the headers): the user info and the
 * secret-looking query values of the URL (those redactUrl hides), the values of sensitive headers
 * and the credential after their scheme, the Authorization sent (Basic or Bearer), the values of
 * the request body's secret-looking fields (a login body's `password`) and the configured password
 * or client secret. What the task quotes of a response (an error body's
 * start, a parse error) shows `[hidden]` (the logger's marker, as the HTTP sink's SecretMask) in their place, in logs, in the task's status and in errors;
 * PageFetcher.echoedSecrets adds the forms an answer may quote them in (util/secret-forms.ts).
 * Used by PageFetcher and HttpSourceTask.
 */
export { urlSecrets } from "../../http/url-secrets.ts";

import { isSecretHeader } from "../../http/secret-headers.ts";
import { HIDDEN } from "../../util/logger.ts";
import { secretQueryName } from "../../util/secret-query-name.ts";

/** Shorter values (trimmed; their forms with them) are not hidden (as the logger's secrets): they would blot out ordinary text. */
export const MIN_SECRET_LENGTH = 4;

/** The values of the sensitive headers among `headers`, whole and the credential after a scheme. */
export function headerSecrets(headers: readonly (readonly [string, string])[]): string[] {
  return headers
    .filter(([name]) => isSecretHeader(name))
    .flatMap(([, value]) => [value, value.split(/\s+/).at(-1) ?? value]);
}

/**
 * The values of the fields of a request body (JSON, at any depth, or a form) whose names say secret
 * by the rule a URL's query is masked by (secretQueryName: `password`, `api_key`, `client_secret`),
 * and of every field under a JSON object or array so named (`{"credentials":{"value":"…"}}`).
 */
export function bodySecrets(body: string | undefined): string[] {
  if (body === undefined || body === "") return [];
  const found: string[] = [];
  const walk = (value: unknown, name: string | undefined, secretAbove: boolean): void => {
    const secret = secretAbove || (name !== undefined && secretQueryName(name));
    if (value !== null && typeof value === "object") {
      for (const [key, inner] of Object.entries(value)) walk(inner, Array.isArray(value) ? name : key, secret);
    } else if (secret && (typeof value === "string" || typeof value === "number")) {
      found.push(String(value));
    }
  };
  try {
    walk(JSON.parse(body), undefined, false);
  } catch {
    for (const [name, value] of new URLSearchParams(body)) if (secretQueryName(name)) found.push(value);
  }
  return found;
}

/** `text` with every secret in `secrets` (the longest first) replaced by `[hidden]`, the logger's marker. */
export function withoutEchoes(text: string, secrets: readonly string[]): string {
  const hidden = [...new Set(secrets)].filter((s) => s.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  let out = text;
  for (const secret of hidden) if (out.includes(secret)) out = out.split(secret).join(HIDDEN);
  return out;
}
