/**
 * The instants of a page's TIMESTAMP offsets, each text read once (instant.ts and castorm's parsers
 * cost about a microsecond or more a text, BENCHMARKS.md): pageContent reads each record's offset
 * field (`pageInstants`), PageWarnings takes those instants, and pageRecords compares each record's
 * with the run's offset and the best so far through a `ComparedInstants`, which answers for the
 * three without reading them again; a timestamp pointer at the offset field takes the record's
 * instant too (record-timestamp.ts KnownInstant). Used by poll-run.ts and page-warnings.ts.
 */
import type { Slicer } from "../../util/sliced.ts";
import type { OffsetValue } from "./offsets.ts";
import type { InstantReader } from "./timestamp-reader.ts";

/** Each offset field of a page as `read` reads it (null: none, or no timestamp), in `slicer`'s slices. */
export function pageInstants(
  values: readonly OffsetValue[],
  read: InstantReader,
  slicer: Slicer,
): Promise<(bigint | null)[]> {
  return slicer.map(values, (value) => read(value));
}

/**
 * The reader of pageRecords' comparisons (offsets.ts advanceOffset, seenAfter, isNewRecord) for one
 * record at a time: the record's field, the best offset before it and after it, and the run's
 * starting offset are known; any other value is read by `reader`. Values are matched with `===`
 * (equal texts are the same instant).
 */
export class ComparedInstants {
  private value: OffsetValue = null;
  private valueAt: bigint | null = null;
  private best: OffsetValue;
  private bestAt: bigint | null;
  private before: OffsetValue = null;
  private beforeAt: bigint | null = null;
  private readonly offsetAt: bigint | null;

  /** `offset`: the run's starting offset; `best`: the best offset before the page's first record. */
  constructor(
    private readonly offset: OffsetValue,
    best: OffsetValue,
    private readonly reader: InstantReader,
  ) {
    this.offsetAt = reader(offset);
    this.best = best;
    this.bestAt = best === offset ? this.offsetAt : reader(best);
  }

  /** The next record, whose field `value` is the instant `at` (as `reader` reads it). */
  record(value: OffsetValue, at: bigint | null): void {
    this.value = value;
    this.valueAt = at;
    this.before = this.best;
    this.beforeAt = this.bestAt;
  }

  /** The best offset after the record: its field or the best before it (advanceOffset). */
  advanced(best: OffsetValue): void {
    this.bestAt = best === this.value ? this.valueAt : this.beforeAt;
    this.best = best;
  }

  readonly read: InstantReader = (v) => {
    if (v === this.value) return this.valueAt;
    if (v === this.best) return this.bestAt;
    if (v === this.before) return this.beforeAt;
    if (v === this.offset) return this.offsetAt;
    return this.reader(v);
  };
}
