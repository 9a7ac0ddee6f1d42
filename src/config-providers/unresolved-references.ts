/**
 * The WARN a connector's start logs (Worker.startConnector) when config provider references in its
 * config were left as written, and the gateway's start for its worker config (main.ts: a
 * `data.dir=${env:DATA}` without the variable is a directory of that name, as in Connect):
 * config-transformer.ts resolveConfig reports the config key of each one as its replacing pass
 * meets it, so finding them costs nothing beyond the resolution itself.
 *
 * It names config keys only, never text from a value: what looks like a reference inside a value
 * may be part of a password (`Xy${Zq9:v}`), so not even the "provider" it seems to name is shown.
 * Keys are user text too: each is quoted with every control, line-separating and bidi/format character escaped,
 * cut to KEY_CHARS, and at most MOST_KEYS are listed, so no key can break or flood the log line.
 */
import { quotedText } from "../util/quoted-text.ts";

/** Keys listed before `and N more`. */
export const MOST_KEYS = 10;
/** Characters of a key shown before it is cut. */
export const KEY_CHARS = 64;

/** `key` quoted with every control, line separator and bidi/format character escaped (quotedText), cut to KEY_CHARS. */
function shownKey(key: string): string {
  const cut = key.length > KEY_CHARS;
  const quoted = quotedText(cut ? key.slice(0, KEY_CHARS) : key);
  return cut ? `${quoted}…` : quoted;
}

/**
 * The warning for the config keys of `subject` (`Connector c`, `Worker config`) holding a reference
 * that was not resolved (none: no warning).
 */
export function unresolvedReferencesWarning(subject: string, configKeys: ReadonlySet<string>): string | undefined {
  if (configKeys.size === 0) return undefined;
  const shown: string[] = [];
  for (const key of configKeys) {
    if (shown.length === MOST_KEYS) break;
    shown.push(shownKey(key));
  }
  const more = configKeys.size - shown.length;
  const where = more > 0 ? `${shown.join(", ")} and ${more} more` : shown.join(", ");
  return (
    `${subject}: config provider references in the values of ${where} were not resolved and are ` +
    "used as written: config.providers names no such provider, or the provider has no value for the key"
  );
}
