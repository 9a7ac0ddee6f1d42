/**
 * Every text of up to `max` characters over `alphabet`, shortest first (the empty text first): the
 * inputs on which a linear rewrite of a pattern is checked to answer exactly as the pattern did.
 */
export function allTexts(alphabet: readonly string[], max: number): string[] {
  const all = [""];
  for (let length = 1, last = [""]; length <= max; length++) {
    last = last.flatMap((text) => alphabet.map((c) => text + c));
    all.push(...last);
  }
  return all;
}
