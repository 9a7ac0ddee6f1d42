/**
 * The HTTP source's partition `url` as versions before the masking fix of the user info wrote it
 * (offsets.ts keys the one partition by http.url redacted): FROZEN, never to change with
 * url-credentials.ts or http-client's redactUrl. That masking took an `@` in the path, query or
 * fragment for the end of a user info (`https://h/x?email=a@b.c` → `https://***@b.c`), did not
 * hide a `;`-separated parameter, and form-encoded again the other parameters beside a secret one
 * (`?q=a%20b&api_key=k` → `?q=a+b&api_key=***`); an http.url with any of these has another
 * partition now. The task
 * looks its offset up under this key when the current one has none (task.ts restore), so an
 * upgraded source continues from where it stopped, and commits it under the current key.
 */
import type { OffsetStorageReader } from "../../api/connector.ts";
import type { SourceMap } from "../../api/record.ts";
import { formDecoded } from "../../http/form-value.ts";
import { PARTITION_URL } from "./offsets.ts";

const SECRET_QUERY = /token|secret|password|passwd|key|signature|sig|auth|credential/i;
const USER_INFO = /\/\/\S*@/g;
const QUERY_PARAM = /([?&;#])([^=&#?\s]*)=(\S*?)(?=[&#\s]|,\s|\]*$|,?$)/g;

/** A stored offset, and the entry to commit when it was found under the legacy key only. */
export interface FoundOffset {
  readonly stored: SourceMap | null;
  readonly migrated?: { readonly partition: SourceMap; readonly offset: SourceMap };
}

/**
 * The stored offset of `partition` (the one of `url`, offsets.ts sourcePartition), or, when it has
 * none and the legacy key differs, the offset stored under that key: to commit under `partition`.
 */
export async function offsetOrLegacy(
  reader: OffsetStorageReader,
  partition: SourceMap,
  url: string,
): Promise<FoundOffset> {
  const stored = await reader.offset(partition);
  const legacy = legacyOffsetKey(url);
  if (stored !== null || legacy === partition[PARTITION_URL]) return { stored };
  const old = await reader.offset({ ...partition, [PARTITION_URL]: legacy });
  return old === null ? { stored: null } : { stored: old, migrated: { partition, offset: old } };
}

/** The partition `url` the earlier masking gave `url` (its redactUrl over its hideUrlCredentials). */
export function legacyOffsetKey(url: string): string {
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
  return text.includes("${") && text.replace(/\$\{[^}]*\}/g, "").replace(/:/g, "") === "";
}
