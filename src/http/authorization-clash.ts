/**
 * The rule both HTTP connectors apply to an Authorization header configured next to an
 * authentication that sends its own (the source's http.auth.type BASIC or OAUTH2, the sink's OIDC):
 * a request carries one Authorization, so validation refuses the pair on the header's key. Called
 * by their validation-only rules (a config stored before the rule still runs, with a WARN).
 */

/**
 * The message: `key` is the header's key as written, `sender` the authentication that sends
 * Authorization, `outcome` what would reach the server, `remedy` the other way out than removing the
 * header. Names keys only (as written: Connect's 400 lists messages without their keys), never a value.
 */
export function authorizationClash(key: string, sender: string, outcome: string, remedy: string): string {
  return `${key} sets Authorization, which ${sender} sends as well: ${outcome}. Remove it, or ${remedy}`;
}
