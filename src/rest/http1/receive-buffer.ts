/**
 * The bytes a connection received and has not used yet (`http1-connection.ts`): a request head
 * arriving in pieces, pipelined requests after a body. One buffer grown geometrically, so bytes
 * arriving a few at a time are copied O(1) times each on average, not once per arrival.
 */
const EMPTY = Buffer.alloc(0);

export class ReceiveBuffer {
  private store: Buffer = EMPTY;
  private start = 0;
  private end = 0;

  get length(): number {
    return this.end - this.start;
  }

  /** The bytes held, oldest first: a view, valid until the buffer next changes. */
  bytes(): Buffer {
    return this.store.subarray(this.start, this.end);
  }

  append(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    // Held as it came while alone: it has no room after it, so the next append copies.
    if (this.length === 0) {
      this.store = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
      this.start = 0;
      this.end = chunk.length;
      return;
    }
    if (this.end + chunk.length > this.store.length) {
      const length = this.length;
      const grown = Buffer.allocUnsafe(2 * (length + chunk.length));
      grown.set(this.bytes());
      this.store = grown;
      this.start = 0;
      this.end = length;
    }
    this.store.set(chunk, this.end);
    this.end += chunk.length;
  }

  /** Drops the first `n` bytes held. */
  consume(n: number): void {
    this.start += n;
    if (this.start >= this.end) this.clear();
  }

  /**
   * Takes every byte held, leaving the buffer empty: the bytes are the caller's and never written
   * again (a body's decoder hands views of them to the handler).
   */
  take(): Buffer {
    const held = this.bytes();
    this.clear();
    return held;
  }

  private clear(): void {
    this.store = EMPTY;
    this.start = 0;
    this.end = 0;
  }
}
