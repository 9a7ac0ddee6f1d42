/**
 * Which URL parameter names hold secrets, the rule the log masking (url-credentials.ts, http-client's
 * redactUrl) and the HTTP sink's answer masking (url-secrets.ts) hide values by. The HTTP source's
 * offset keys keep frozen copies of the rule of their version (offset-key-v<N>.ts), so changing it
 * here moves no stored offset.
 *
 * A name (form-decoded) is secret when it holds one of SECRET_NAME_PART anywhere (`api_key`,
 * `client_secret`, `access_token`, `jsessionid`, `id_jwt`, `X-Amz-Signature`, `sig`, `oauth_verifier`,
 * PKCE's `code_verifier`, RFC 7523's `client_assertion`), or is one of SECRET_NAME whole. The short
 * words of SECRET_NAME are common inside other names (`country_code`, `postcode`, `zipcode`; `pass`
 * in `compass`, `bypass`): matched whole, OAuth's authorization `code` is hidden and a `postcode`
 * is not. A word of the name (split at non-letters and camelCase) that is an English word merely
 * holding a part (INNOCENT_WORD: `author`, `signal`, `keyword`, `design`, …) is no match there, so
 * `author=bob` and `signal_strength=3` show while `authorization`, `oauth_token`, `sign` (a
 * signature's usual name in Chinese payment APIs) and an `author_token` stay hidden.
 */

const SECRET_NAME_PART =
  /token|secret|password|passwd|key|signature|sig|auth|credential|session|sessid|jwt|verifier|assertion/i;
const SECRET_NAME = /^(?:code|pwd|pass|pw)$/i;
// Words the parts above occur in without naming a secret, matched whole (lowercased).
const INNOCENT_WORD =
  /^(?:(?:co)?author(?:s|ed|ing|ity|ities|ship)?|signals?|signal(?:l?ing|l?ed)|signup|signin|signon|signoff|design(?:s|ed|er|ers|ation)?|assign(?:s|ed|ee|ees|ment|ments)?|keywords?|keyboard|monkey|turkey|hockey)$/;
// The words of a name: `authorName` is `author` and `Name`, `SIGNAL_db` is `SIGNAL` and `db`.
const WORD = /[A-Z]?[a-z]+|[A-Z]+(?![a-z])/g;

/** Whether a query or fragment parameter named `name` (form-decoded) holds a secret. */
export function secretQueryName(name: string): boolean {
  if (SECRET_NAME.test(name)) return true;
  if (!SECRET_NAME_PART.test(name)) return false;
  return SECRET_NAME_PART.test(withoutInnocentWords(name));
}

/** `name` with each innocent word replaced by a space (a separator no part matches across). */
function withoutInnocentWords(name: string): string {
  return name.replace(WORD, (word) => (INNOCENT_WORD.test(word.toLowerCase()) ? " " : word));
}
