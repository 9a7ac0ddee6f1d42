/**
 * Which request headers carry credentials, by name: Authorization, Proxy-Authorization, Cookie and
 * any name that says token, secret, key, auth, password, credential or session (X-Api-Key,
 * Ocp-Apim-Subscription-Key, DD-Application-Key, Private-Token, X-Auth…), or names a signed or
 * bearer credential: a JWT, a signature, an assertion, a verifier, a bearer value or a password by
 * its short names (X-JWT-Assertion, X-Hub-Signature, X-Pwd, X-Pass, X-Bearer). Their values are kept
 * out of logs, errors and status traces by the HTTP source (held by the log manager) and the HTTP
 * sink (SecretMask). A false positive only hides a harmless value.
 */
const SECRET_HEADER =
  /cookie|token|secret|key|auth|pass|pwd|credential|session|sessid|jwt|signature|assertion|verifier|bearer/i;

export function isSecretHeader(name: string): boolean {
  return SECRET_HEADER.test(name);
}
