/**
 * Which request headers carry credentials, by name: Authorization, Proxy-Authorization, Cookie and
 * any name that says token, secret, key, auth, password, credential or session (X-Api-Key,
 * Ocp-Apim-Subscription-Key, DD-Application-Key, Private-Token, X-Auth…). Their values are kept
 * out of logs, errors and status traces by the HTTP source (held by the log manager) and the
 * HTTP sink (SecretMask). A false positive only hides a harmless value.
 */
const SECRET_HEADER = /cookie|token|secret|key|auth|passw|credential|session/i;

export function isSecretHeader(name: string): boolean {
  return SECRET_HEADER.test(name);
}
