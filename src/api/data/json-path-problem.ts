/**
 * Why a JSONPath expression in a config is unusable: the check shared by the HTTP source's path keys
 * (connectors/http-source/config.ts, config-rules.ts) and the ingest key (`ingest.key.field`,
 * connectors/http-ingest/config.ts). jsonpath-plus runs with script evaluation off everywhere, and
 * evaluating a path against `{}` may not reach a filter, so this looks at its segments.
 */
import { JSONPath } from "jsonpath-plus";

/**
 * Why a JSONPath expression is unusable, or undefined. Script evaluation is never enabled, so a
 * filter `[?(…)]` or script `[(…)]` segment, which jsonpath-plus refuses once a document reaches it,
 * is refused here.
 */
export function jsonPathProblem(path: string): string | undefined {
  if (!path.startsWith("$")) return "A JSONPath expression must start with $";
  // Brackets inside a quoted name (`$['a]b']`) are the name's.
  let depth = 0;
  const closed = outsideQuotes(path, (c) => {
    if (c === "[") depth++;
    else if (c === "]") depth--;
    return depth >= 0;
  });
  if (depth !== 0 || !closed) return "Unbalanced brackets in the JSONPath expression";
  try {
    // Evaluating against {} may not reach a filter or script segment, which the runtime refuses.
    const segments: unknown[] = JSONPath.toPathArray(path);
    // jsonpath-plus gives a null segment for text it cannot read (`$[(@.x)]1`).
    if (segments.some((segment) => typeof segment !== "string"))
      return "Invalid JSONPath expression: a segment could not be read";
    const refused = (segments as string[]).flatMap(unionMembers).find((segment) => /^\s*\??\(/.test(segment));
    if (refused !== undefined)
      return `Filter and script expressions such as [${refused.trim()}] are not evaluated (no expression in a config runs code); select with names, indexes, slices, * or .. only`;
    JSONPath({ path, json: {}, eval: false, wrap: true });
  } catch (error) {
    return `Invalid JSONPath expression: ${(error as Error).message}`;
  }
  return undefined;
}

/**
 * The members of a union segment (`0,(@.length-1)`: jsonpath-plus keeps it one segment, and a
 * script among its members runs only on a document that has the rest), split at the commas outside
 * quotes and parentheses; any other segment is its only member. jsonpath-plus drops the opening
 * quote of a segment's first member (`['b',(@.c)]` is `b',(@.c)`): a segment whose quotes do not
 * close is split with the quote that closes them put back in front.
 */
function unionMembers(segment: string): string[] {
  return splitUnion(segment) ?? splitUnion(`'${segment}`) ?? splitUnion(`"${segment}`) ?? [segment];
}

/** `segment` split at the commas outside quotes and parentheses; undefined when a quote does not close. */
function splitUnion(segment: string): string[] | undefined {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  const closed = outsideQuotes(segment, (c, i) => {
    if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "," && depth === 0) {
      out.push(segment.slice(start, i));
      start = i + 1;
    }
    return true;
  });
  if (!closed) return undefined;
  out.push(segment.slice(start));
  return out;
}

/**
 * Walks `text`, handing `visit` each character outside quotes (`'…'` or `"…"`, where a backslash
 * escapes the next character; the quotes themselves are not handed over) with its index, until
 * `visit` answers false. Whether every quote opened before the walk ended was closed.
 */
function outsideQuotes(text: string, visit: (c: string, i: number) => boolean): boolean {
  let quote = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = "";
    } else if (c === "'" || c === '"') quote = c;
    else if (!visit(c, i)) break;
  }
  return quote === "";
}
