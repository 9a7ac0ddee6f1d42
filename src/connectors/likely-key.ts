/**
 * The declared key a connector's undeclared key most likely means, for the unknown-key WARNs of the
 * HTTP sink (http-sink/unknown-keys.ts) and the HTTP source (http-source/unknown-keys.ts). Keys are
 * compared by their letters and digits alone (`sink.request.batch-size` is `sink.request.batch.size`),
 * and a typo of up to two letters still names its key (`sink.error.codes`, `behaviour.on.error`),
 * unless two declared keys are as near: a guess between them would mislead.
 */

/** The most letters a typo may differ by and still name its key. */
const MAX_DISTANCE = 2;

function letters(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/** Levenshtein distance, or MAX_DISTANCE + 1 once it is known to be larger. */
function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > MAX_DISTANCE) return MAX_DISTANCE + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      row.push(Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, substitution));
    }
    previous = row;
  }
  return previous[b.length] ?? 0;
}

/** A matcher of names to the nearest of `declared`, or undefined when none (or more than one) is near enough. */
export function likelyKeys(declared: readonly string[]): (name: string) => string | undefined {
  const byLetters = declared.map((key) => ({ key, letters: letters(key) }));
  return (name) => {
    const written = letters(name);
    const near = byLetters
      .map((d) => ({ key: d.key, distance: distance(written, d.letters) }))
      .filter((d) => d.distance <= MAX_DISTANCE);
    const best = Math.min(...near.map((d) => d.distance));
    const nearest = near.filter((d) => d.distance === best);
    return nearest.length === 1 ? nearest[0]?.key : undefined;
  };
}
