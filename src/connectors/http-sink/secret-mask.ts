/**
 * SecretMask: hides the credentials the HTTP sink sends (configured secret headers, Basic
 * credentials, OIDC tokens) in what an endpoint answers, before a response excerpt reaches an
 * error message, the dead letter queue's context headers or the log. An endpoint that echoes the
 * request's headers in its error body (debug pages, some gateways) would otherwise publish them.
 *
 * Secret headers: http/secret-headers.ts (Authorization, Cookie, any name that says token, secret,
 * key, auth, password, credential or session, and one whose last word is pass, pwd, jwt, bearer,
 * sessid, assertion, verifier or signature). Of a value with a scheme (`Basic x`,
 * `Bearer x`) the part after it is masked, so the answer still says which scheme was refused; of Basic credentials
 * also their decoded `user:password`. The last few OIDC tokens used are remembered and masked too,
 * and so are the secrets of the configured URLs (`urlSecrets`: the user info's password, key-like
 * query values), which an endpoint quoting the request line or its Authorization would show; of a
 * url from a config provider, its path (shown-url.ts echoedUrlParts).
 * Each is masked in every form an answer can quote it in (util/secret-forms.ts: JSON-escaped,
 * percent-encoded). A masked secret shows as `[hidden]`, the logger's marker (util/logger.ts HIDDEN). Text cut short
 * (a body prefix: the read stopped at the request timeout or a byte limit) may end inside a secret:
 * its start there is hidden too.
 */
import { isSecretHeader } from "../../http/secret-headers.ts";
import { urlSecrets } from "../../http/url-secrets.ts";
import { HIDDEN } from "../../util/logger.ts";
import { secretForms, withSecretForms } from "../../util/secret-forms.ts";

const SCHEME = /^([A-Za-z][\w.+-]*)\s+(\S.*)$/;
/** Shorter values (trimmed; their forms with them) are too likely to be ordinary words of a response. */
const MIN_LENGTH = 4;
const TOKENS_KEPT = 4;

export class SecretMask {
  /** The configured secrets' forms, the longer first. */
  private readonly fixed: string[];
  /** Each remembered token's forms (secret-forms.ts), the token itself first. */
  private readonly tokens: string[][] = [];

  constructor(
    headers: readonly (readonly [string, string])[],
    urls: readonly string[] = [],
    /** More text to hide: the parts of a url from a config provider an answer may echo (shown-url.ts echoedUrlParts). */
    more: readonly string[] = [],
  ) {
    const secrets = headers.filter(([name]) => isSecretHeader(name)).flatMap(([, value]) => secretsOf(value));
    // The longer first: a secret inside another (a password in its Basic pair) goes with it.
    this.fixed = withSecretForms([...secrets, ...urls.flatMap(urlSecrets), ...more], MIN_LENGTH).sort(
      (a, b) => b.length - a.length,
    );
  }

  /** An OIDC token about to be sent. */
  token(token: string): void {
    const forms = secretForms(token, MIN_LENGTH);
    if (forms.length === 0 || this.tokens.some((kept) => kept[0] === token)) return;
    this.tokens.push(forms);
    if (this.tokens.length > TOKENS_KEPT) this.tokens.shift();
  }

  /** `text` with the secrets hidden; `cut`: the text stops where its source went on (a secret's start at its end is hidden). */
  apply(text: string, cut = false): string {
    let out = text;
    const secrets = [...this.fixed, ...this.tokens.flat()];
    for (const secret of secrets) out = out.replaceAll(secret, HIDDEN);
    if (cut) for (const secret of secrets) out = withoutSecretStart(out, secret);
    return out;
  }
}

/** `text` with its end hidden when it is the start of `secret` (at least MIN_LENGTH characters of it). */
function withoutSecretStart(text: string, secret: string): string {
  for (let n = Math.min(secret.length - 1, text.length); n >= MIN_LENGTH; n--) {
    if (text.endsWith(secret.slice(0, n))) return text.slice(0, text.length - n) + HIDDEN;
  }
  return text;
}

function secretsOf(value: string): string[] {
  const scheme = SCHEME.exec(value);
  if (!scheme) return [value];
  const credentials = scheme[2]!.trim();
  if (scheme[1]!.toLowerCase() !== "basic") return [credentials];
  const decoded = Buffer.from(credentials, "base64").toString("utf8");
  const password = decoded.slice(decoded.indexOf(":") + 1);
  // The longer first: a password inside the decoded pair is masked with it.
  return [credentials, decoded, password].sort((a, b) => b.length - a.length);
}
