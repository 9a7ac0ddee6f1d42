/**
 * Config provider references (`${provider:[path:]key}`) found as Apache Kafka's
 * ConfigTransformer.DEFAULT_PATTERN (`\$\{([^}]*?):(([^}]*?):)?([^}]*?)\}`) finds them, in linear
 * time. The pattern itself backtracks: on a value holding many `${` and no `}` each start scans to
 * the end, and a 200 KB config value of `${a:` held the event loop for minutes (every REST
 * request, every task with it).
 *
 * What the pattern matches, read off its groups: `${`, then everything up to the first `}`, which
 * must hold a `:`; the provider is what comes before the first `:`, and when a second `:` follows,
 * the path is what lies between the two and the key the rest (further `:` included); else there is
 * no path and the key is what follows the first `:`. A global search resumes after a match's `}`.
 */

export interface ConfigVariable {
  /** Where `${` starts. */
  readonly start: number;
  /** Just past the closing `}`. */
  readonly end: number;
  readonly provider: string;
  /** Absent when the reference names no path (`${provider:key}`); `""` for `${provider::key}`. */
  readonly path: string | undefined;
  readonly key: string;
}

/** The first reference at or after `from`, as the pattern's search from there finds it. */
function nextVariable(text: string, from: number): ConfigVariable | undefined {
  let at = text.indexOf("${", from);
  while (at >= 0) {
    const close = text.indexOf("}", at + 2);
    // No `}` after this `${`: none after a later one either.
    if (close < 0) return undefined;
    const colon = text.indexOf(":", at + 2);
    if (colon >= 0 && colon < close) {
      const second = text.indexOf(":", colon + 1);
      const hasPath = second >= 0 && second < close;
      return {
        start: at,
        end: close + 1,
        provider: text.slice(at + 2, colon),
        path: hasPath ? text.slice(colon + 1, second) : undefined,
        key: text.slice(hasPath ? second + 1 : colon + 1, close),
      };
    }
    // A `${` before this `}` reads a tail of the same text up to it: no `:` there either.
    at = text.indexOf("${", close + 1);
  }
  return undefined;
}

/** Every reference in `text`, in order, as a global search with the pattern finds them. */
export function configVariables(text: string): ConfigVariable[] {
  const found: ConfigVariable[] = [];
  for (let next = nextVariable(text, 0); next; next = nextVariable(text, next.end)) found.push(next);
  return found;
}

/**
 * Whether `text` holds a reference (the pattern's `test`). A stored config value may be a JSON
 * null whatever its declared type says: it holds none (the pattern read it as the text "null").
 */
export function hasConfigVariable(text: string | null): boolean {
  return typeof text === "string" && nextVariable(text, 0) !== undefined;
}

/** Whether `text` is one reference and nothing else (the pattern anchored at both ends); never a null. */
export function isWholeConfigVariable(text: string | null): boolean {
  if (typeof text !== "string") return false;
  const found = nextVariable(text, 0);
  return found !== undefined && found.start === 0 && found.end === text.length;
}

/** `text` with each reference replaced by what `replace` gives for it. */
export function replaceConfigVariables(
  text: string,
  replace: (variable: ConfigVariable, reference: string) => string,
): string {
  let out = "";
  let last = 0;
  for (const variable of configVariables(text)) {
    out += text.slice(last, variable.start) + replace(variable, text.slice(variable.start, variable.end));
    last = variable.end;
  }
  return last === 0 ? text : out + text.slice(last);
}
