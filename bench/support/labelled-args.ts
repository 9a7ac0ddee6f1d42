/**
 * A benchmark's command-line arguments of the form `<label>=<value>` (a gateway binary, a src
 * directory), as bench/ingest-single-ab.ts, bench/ingest-rss-ab.ts and bench/ingest-http-cost.ts take them.
 */

export interface LabelledArg {
  readonly label: string;
  readonly value: string;
}

/** Each `<label>=<value>` of `args`; throws naming `what` the value is for one without a label. */
export function labelledArgs(args: readonly string[], what: string): LabelledArg[] {
  return args.map((arg) => {
    const at = arg.indexOf("=");
    if (at <= 0) throw new Error(`expected <label>=<${what}>, got "${arg}"`);
    return { label: arg.slice(0, at), value: arg.slice(at + 1) };
  });
}
