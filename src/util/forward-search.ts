/**
 * `indexOf` for a scanner that moves forward through one text (java-pattern-syntax.ts): it remembers
 * where each needle was last found, or that it is absent from some point on, so asking again from a
 * later position costs nothing until the scanner passes that occurrence. Plain `indexOf` from every
 * opener of a text of many openers and no closer (`\p{\p{\p{…`) searches to the end each time:
 * quadratic, seconds for a 100 KB config value.
 */
export function forwardSearch(text: string): (needle: string, from: number) => number {
  const last = new Map<string, { from: number; at: number }>();
  return (needle, from) => {
    const known = last.get(needle);
    // The first occurrence from known.from on is known.at (none: -1), so it is also the first from `from`.
    if (known && from >= known.from && (known.at < 0 || known.at >= from)) return known.at;
    const at = text.indexOf(needle, from);
    last.set(needle, { from, at });
    return at;
  };
}
