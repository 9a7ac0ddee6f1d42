/**
 * Which request headers carry credentials, by name: Authorization, Proxy-Authorization, Cookie and
 * any name that says token, secret, key, auth, password, credential or session anywhere (X-Api-Key,
 * Ocp-Apim-Subscription-Key, DD-Application-Key, Private-Token, X-Auth…), or whose last word
 * names a signed or bearer credential: pass, pwd, passwd, jwt, bearer, sessid, assertion,
 * verifier or signature (X-JWT-Assertion, X-Hub-Signature-256, Stripe-Signature, X-Pwd, X-Pass,
 * X-Bearer). Those short words only count as the last word, as they sit inside ordinary names
 * (X-Passenger-Id, Bypass-Tunnel-Reminder, X-Compass-Region, X-Signature-Version, X-JWT-Issuer).
 * Their values are kept out of logs, errors and status traces by the HTTP source (held by the log
 * manager) and the HTTP sink (SecretMask), and validation hides them. A false positive is not
 * harmless: its value is hidden wherever it shows (a value `true` everywhere in the logs while the
 * connector runs), so the rule stays narrow. The HTTP source's header list parser keeps its own
 * frozen rule (http-source/headers.ts): this one changing must not change which headers are sent.
 */
const SECRET_HEADER =
  /cookie|token|secret|key|auth|passw|credential|session|(?:^|[-_])(?:pass|pwd|passwd|jwt|bearer|sessid|assertion|verifier|signature(?:-\d+)?)$/i;

export function isSecretHeader(name: string): boolean {
  return SECRET_HEADER.test(name);
}
