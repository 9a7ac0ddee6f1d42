/**
 * Credentials that URLs written in a text carry, hidden for messages: the user info of every
 * `scheme://user:password@host` (up to the last `@` before a space, so a password holding an
 * unencoded `/` or `@` is hidden whole) and the values of query or fragment parameters whose names
 * look like keys (`SECRET_QUERY`: `?token=…`, `&api_key=…`, `#access_token=…`); placeholders alone (`${key}@`, `?token=${env:T}`)
 * are no secret and stay. Text without either is returned as it is (no URL
 * normalisation), so Connect's `Invalid value <v> for configuration <k>: …` keeps its shape. Used
 * by invalid-value.ts (every such message), for ConfigDef's verbatim reasons, the values quoted by
 * "contains no connector type", and by http-client's redactUrl.
 */

import { formDecoded } from "../http/form-value.ts";

/** Query parameter names whose values are secrets. */
export const SECRET_QUERY = /token|secret|password|passwd|key|signature|sig|auth|credential/i;

const USER_INFO = /\/\/\S*@/g;
// A parameter's value ends at `&`, `#` or a space; a `,` or `]` closing a shown list stays visible.
// A fragment's parameters too (`#access_token=…`, OAuth's implicit flow).
const QUERY_PARAM = /([?&;#])([^=&#?\s]*)=(\S*?)(?=[&#\s]|,\s|\]*$|,?$)/g;

export function hideUrlCredentials(text: string): string {
  if (!text.includes("//") && !text.includes("=")) return text;
  return text
    .replace(USER_INFO, (all) => (placeholdersOnly(all.slice(2, -1)) ? all : "//***@"))
    .replace(QUERY_PARAM, (all, separator: string, name: string, value: string) =>
      SECRET_QUERY.test(formDecoded(name)) && !placeholdersOnly(value) ? `${separator}${name}=***` : all,
    );
}

/** A `${key}` or `${secrets:api/token}` (filled per record, or a provider's reference) holds no secret. */
function placeholdersOnly(text: string): boolean {
  return text.includes("${") && text.replace(/\$\{[^}]*\}/g, "").replace(/:/g, "") === "";
}
