/**
 * RecordHeaders: a record's Kafka headers as raw bytes (org.apache.kafka.common.header.Headers),
 * which is what Connect hands a Converter next to the key or value. On the source side a
 * converter may add or remove headers (a schema id, a content type) and the record is produced
 * with them; on the sink side they are the consumed record's headers and read-only.
 */

export interface RecordHeader {
  readonly key: string;
  readonly value: Uint8Array | null;
}

export class RecordHeaders implements Iterable<RecordHeader> {
  private constructor(
    private readonly list: RecordHeader[],
    private readonly readOnly: boolean,
  ) {}

  /** Headers to be produced: `list` itself is updated by `add`/`remove` (no copy). */
  static mutable(list: RecordHeader[] = []): RecordHeaders {
    return new RecordHeaders(list, false);
  }

  /** A consumed record's headers: `add`/`remove` throw, as Kafka's read-only headers do. */
  static readOnly(list: readonly RecordHeader[]): RecordHeaders {
    return new RecordHeaders(list as RecordHeader[], true);
  }

  get size(): number {
    return this.list.length;
  }

  add(key: string, value: Uint8Array | null): this {
    this.checkWritable();
    this.list.push({ key, value });
    return this;
  }

  /** Removes every header called `key`. */
  remove(key: string): this {
    this.checkWritable();
    for (let i = this.list.length - 1; i >= 0; i--) if (this.list[i]!.key === key) this.list.splice(i, 1);
    return this;
  }

  /** The last header called `key`, or null. */
  lastHeader(key: string): RecordHeader | null {
    for (let i = this.list.length - 1; i >= 0; i--) if (this.list[i]!.key === key) return this.list[i]!;
    return null;
  }

  /** Every header called `key`, in order. */
  headers(key: string): RecordHeader[] {
    return this.list.filter((h) => h.key === key);
  }

  toArray(): RecordHeader[] {
    return [...this.list];
  }

  [Symbol.iterator](): Iterator<RecordHeader> {
    return this.list[Symbol.iterator]();
  }

  private checkWritable(): void {
    if (this.readOnly) throw new Error("RecordHeaders has been closed.");
  }
}
