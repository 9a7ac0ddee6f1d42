/**
 * A runtime error with a request's URL in its message and stack replaced by the URL as shown in
 * messages (`shown`: redacted). Bun writes `… fetching "<url>"`, query secrets included, and
 * HttpClient keeps the runtime's error as the cause of its own, which status traces and logs print.
 */
export function withoutUrl(error: unknown, url: string, shown: string): unknown {
  if (!(error instanceof Error)) return error;
  let href = url;
  try {
    href = new URL(url).href;
  } catch {
    // Not a URL: only the raw form can appear.
  }
  // A function, not the string: `$&` in `shown` (a URL may hold one) would put the URL back in.
  const scrub = (text: string) => text.replaceAll(url, () => shown).replaceAll(href, () => shown);
  if (scrub(error.message) === error.message && scrub(error.stack ?? "") === (error.stack ?? "")) return error;
  const Kind = error instanceof TypeError ? TypeError : Error;
  const copy = new Kind(scrub(error.message));
  copy.name = error.name;
  copy.stack = scrub(error.stack ?? "");
  return copy;
}
