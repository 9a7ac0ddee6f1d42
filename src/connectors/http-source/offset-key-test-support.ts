/**
 * Test support for the partition keys' golden tables (offset-key-v*.test.ts): which rows' keys show
 * a character the log masking (redactUrl) hides.
 */
import { redactUrl } from "../../http/http-client.ts";
import { hiddenParts } from "../../util/percent-encoded-secrets.ts";

/** The indexes of `url` that `shown` (the URL as written with parts `***`) hides. */
function hiddenIn(url: string, shown: string): Set<number> {
  const hidden = new Set<number>();
  for (const [start, end] of hiddenParts(url, shown) ?? []) for (let i = start; i < end; i++) hidden.add(i);
  return hidden;
}

/** The golden rows `[url, key]` whose key shows a character of `url` that redactUrl hides. */
export function keysShowingWhatLogsHide(golden: readonly (readonly [string, string])[]): (readonly [string, string])[] {
  return golden.filter(([url, key]) => {
    const byKey = hiddenIn(url, key);
    return [...hiddenIn(url, redactUrl(url))].some((i) => !byKey.has(i));
  });
}
