/**
 * Java's adjacent value parsing for timestamp-pattern.ts: which pattern fields are numbers of a fixed
 * or variable width, and the regex pieces that read adjacent variable-width numbers as Java does.
 */
/** A piece of the regex: a number field's is fixed-width (`MM`, `yy`, `SSS`) or variable (`M`, `y`, `yyyy`, `n`). */
export interface Part {
  readonly source: string;
  readonly number?: "fixed" | "variable";
  /** The field's capture group number. */
  readonly group?: number;
}

/** Whether a field is a number Java's adjacent value parsing counts, and of which width. */
export function numberWidth(letter: string, count: number): Part["number"] {
  if (letter === "S") return "fixed";
  if (letter === "n") return "variable";
  if (letter === "y" || letter === "u") return count === 2 ? "fixed" : "variable";
  if ("MLdHkKhms".includes(letter) && count <= 2) return count === 2 ? "fixed" : "variable";
  return undefined;
}

/**
 * Java's adjacent value parsing: a variable-width number directly followed by fixed-width ones
 * leaves them their widths (`yyyyMMdd`, `Hmm`: the regex's backtracking finds the same split), but
 * one followed, after any fixed-width ones, by another variable-width number reads greedily and
 * never gives a digit back (NumberPrinterParser.withFixedWidth). Matched so (the capture in a
 * lookahead, consumed by its back-reference: nothing to backtrack into), `yMdHms` reads as Java
 * reads it and a long digit string fails at once instead of trying every split.
 */
export function adjacentValues(parts: readonly Part[]): string[] {
  return parts.map((part, i) => {
    if (part.number !== "variable") return part.source;
    let next = i + 1;
    while (parts[next]?.number === "fixed") next++;
    if (parts[next]?.number !== "variable") return part.source;
    // A year of 4+ letters: more digits than its width without a `+` fail in Java (SignStyle.EXCEEDS_PAD).
    const greedy = part.source.replace(/^\(\\d\{(\d+)\}\|/, "(\\d{$1}(?!\\d)|");
    return `(?=${greedy})\\${part.group}`;
  });
}
