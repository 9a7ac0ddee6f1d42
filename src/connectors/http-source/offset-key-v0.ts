/**
 * Version 0 of the HTTP source's partition `url` (offset-key.ts lists it among the earlier
 * versions): the key of versions before the masking fix of the user info, http.url as their
 * redactUrl wrote it. FROZEN, never to change with
 * url-credentials.ts or http-client's redactUrl. That masking took an `@` in the path, query or
 * fragment for the end of a user info (`https://h/x?email=a@b.c` → `https://***@b.c`), did not
 * hide a `;`-separated parameter, and form-encoded again the other parameters beside a secret one
 * (`?q=a%20b&api_key=k` → `?q=a+b&api_key=***`); an http.url with any of these has another
 * partition now. The task looks its offset up under this key when no newer version's key has one
 * (offset-key-migration.ts), so an upgraded source continues from where it stopped, commits it
 * under the current key and removes this one.
 */
import { formDecoded } from "../../http/form-value.ts";
import { placeholdersReplaced } from "../../util/placeholders.ts";

const SECRET_QUERY = /token|secret|password|passwd|key|signature|sig|auth|credential/i;
const USER_INFO = /\/\/\S*@/g;
const QUERY_PARAM = /([?&;#])([^=&#?\s]*)=(\S*?)(?=[&#\s]|,\s|\]*$|,?$)/g;

/** The partition `url` the earlier masking gave `url` (its redactUrl over its hideUrlCredentials). */
export function offsetKeyV0(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return hidden(url);
  }
  if (parsed.username || parsed.password) {
    parsed.username = "***";
    parsed.password = "";
  }
  for (const name of [...parsed.searchParams.keys()]) if (SECRET_QUERY.test(name)) parsed.searchParams.set(name, "***");
  return hidden(parsed.toString().replace("%2A%2A%2A", "***"));
}

function hidden(text: string): string {
  if (!text.includes("//") && !text.includes("=")) return text;
  return text
    .replace(USER_INFO, (all) => (placeholdersOnly(all.slice(2, -1)) ? all : "//***@"))
    .replace(QUERY_PARAM, (all, separator: string, name: string, value: string) =>
      SECRET_QUERY.test(formDecoded(name)) && !placeholdersOnly(value) ? `${separator}${name}=***` : all,
    );
}

function placeholdersOnly(text: string): boolean {
  return text.includes("${") && placeholdersReplaced(text, "").replace(/:/g, "") === "";
}
