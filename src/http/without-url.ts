/**
 * A runtime error with a request's URL in its message and stack replaced by the URL as shown in
 * messages (`shown`: redacted). Bun writes `… fetching "<url>"`, query secrets included, and
 * HttpClient keeps the runtime's error as the cause of its own, which status traces and logs print.
 * Bun quotes the URL without its user info (`http://user:pw@h/x?key=…` as `http://h/x?key=…`), so
 * that form is replaced too, or the query's secrets of a URL with user info stayed in the message.
 */
export function withoutUrl(error: unknown, url: string, shown: string): unknown {
  if (!(error instanceof Error)) return error;
  const forms = [url];
  try {
    const parsed = new URL(url);
    forms.push(parsed.href);
    parsed.username = "";
    parsed.password = "";
    forms.push(parsed.href);
  } catch {
    // Not a URL: only the raw form can appear.
  }
  // A function, not the string: `$&` in `shown` (a URL may hold one) would put the URL back in.
  const scrub = (text: string) => forms.reduce((out, form) => out.replaceAll(form, () => shown), text);
  if (scrub(error.message) === error.message && scrub(error.stack ?? "") === (error.stack ?? "")) return error;
  const Kind = error instanceof TypeError ? TypeError : Error;
  const copy = new Kind(scrub(error.message));
  copy.name = error.name;
  copy.stack = scrub(error.stack ?? "");
  // Bun's code (`Malformed_HTTP_Response`, `ECONNRESET`) names the failure's kind: the JDK exception it maps to.
  const { code } = error as { code?: unknown };
  if (code !== undefined) Object.assign(copy, { code });
  return copy;
}
