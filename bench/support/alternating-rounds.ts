/**
 * Rounds of builds measured in turn (A, B, A, B, …), so a shared machine's noise spreads over all of
 * them: prints each measurement as a markdown row (with the machine's 1-minute load average) as it
 * comes. Used by bench/ingest-single-ab.ts and bench/ingest-rss-ab.ts.
 */

export interface Build {
  readonly label: string;
  readonly bin: string;
}

/** Measures every build `rounds` times in turn; `row` makes a measurement's cells after its round and label. */
export async function alternatingRounds<M extends { readonly label: string }>(
  rounds: number,
  builds: readonly Build[],
  measure: (build: Build) => Promise<M>,
  row: (m: M) => string,
): Promise<M[]> {
  const results: M[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const build of builds) {
      const m = await measure(build);
      results.push(m);
      const load = (await Bun.file("/proc/loadavg").text()).split(" ")[0];
      console.log(`| ${round} | ${build.label} | ${row(m)} | ${load} |`);
    }
  }
  return results;
}
