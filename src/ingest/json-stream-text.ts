/**
 * JsonStreamText: the text of a streamed JSON request body (REST Proxy v3 streaming mode,
 * v3-record-stream.ts) as its chunks arrive, read as the whole-body path reads one
 * (json-body-text.ts `jacksonBodyText`): the encoding told by the first bytes as Jackson does
 * (UTF-8, UTF-16 or UTF-32, a byte order mark skipped), strictly (bytes that are not text in it
 * are refused, never read as U+FFFD). A character split between chunks is held until it completes.
 */
import { detected, utf32 } from "./json-body-text.ts";

/** Bytes that are not text in the body's encoding (its name, as the whole-body refusal names it). */
export class StreamNotText extends Error {
  constructor(readonly encoding: string) {
    super(`not ${encoding} text`);
  }
}

/** Bytes Jackson's detection looks at. */
const DETECTION_BYTES = 4;

export class JsonStreamText {
  private head: Uint8Array | null = new Uint8Array(0);
  private encoding = "";
  private decoder: TextDecoder | null = null;
  /** UTF-32: bytes of a code unit not yet complete. */
  private partial = new Uint8Array(0);

  /** The text `chunk` completes; throws StreamNotText. */
  push(chunk: Uint8Array): string {
    if (this.head !== null) {
      const head = concat(this.head, chunk);
      if (head.length < DETECTION_BYTES) {
        this.head = head;
        return "";
      }
      return this.start(head);
    }
    return this.decode(chunk, false);
  }

  /** The end of the body: the text still held; throws StreamNotText when it is no whole character. */
  end(): string {
    if (this.head !== null)
      return this.head.length === 0 ? "" : this.start(this.head) + this.decode(new Uint8Array(0), true);
    return this.decode(new Uint8Array(0), true);
  }

  private start(head: Uint8Array): string {
    this.head = null;
    const { encoding, skip } = detected(head);
    this.encoding = encoding;
    if (skip < 0) throw new StreamNotText(encoding);
    if (encoding === "UTF-8" || encoding === "UTF-16BE" || encoding === "UTF-16LE")
      this.decoder = new TextDecoder(encoding.toLowerCase() as "utf-8", { fatal: true, ignoreBOM: true });
    return this.decode(head.subarray(skip), false);
  }

  private decode(bytes: Uint8Array, last: boolean): string {
    if (this.decoder !== null) {
      try {
        return this.decoder.decode(bytes, { stream: !last });
      } catch {
        throw new StreamNotText(this.encoding);
      }
    }
    const all = concat(this.partial, bytes);
    const whole = last ? all.length : all.length - (all.length % 4);
    this.partial = all.slice(whole);
    const text = utf32(all.subarray(0, whole), this.encoding === "UTF-32LE");
    if (text === null) throw new StreamNotText(this.encoding);
    return text;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
