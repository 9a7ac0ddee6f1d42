/**
 * Reading a response body as the outbound HTTP client (http-client.ts) does: chunk by chunk, with
 * the decompressed bytes counted as they arrive and the transfer cancelled as soon as the reader
 * has what it may keep, so neither a long stream nor a compression bomb grows the task's memory.
 * Two stop rules: a cap the whole body must fit (`readCapped`, past it an error) and a prefix to
 * keep (`readPrefix`, past it the rest is not read).
 */
import { HttpResponseTooLargeError, transportFailureOf } from "./http-errors.ts";

/** Bytes read so far. */
class Chunks {
  private readonly chunks: Uint8Array[] = [];
  total = 0;

  push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.total += chunk.length;
  }

  concat(): Uint8Array {
    if (this.chunks.length === 1) return this.chunks[0]!;
    const body = new Uint8Array(this.total);
    let at = 0;
    for (const chunk of this.chunks) {
      body.set(chunk, at);
      at += chunk.length;
    }
    return body;
  }
}

/**
 * The length of a body that arrives as it is sent (no Content-Encoding to decompress) and declares
 * its length, or undefined. Such a body is read in one call (no stream reader, no chunk list): the
 * cheaper way for the small answers of most requests, with the same bound, as the transfer cannot
 * carry more than its Content-Length. Not beside a Transfer-Encoding: that framing wins over
 * Content-Length (RFC 9112 6.3), and Bun's fetch reads a chunked body of any length then.
 */
function plainLength(response: Response): number | undefined {
  const headers = response.headers;
  if (headers.has("content-encoding") || headers.has("transfer-encoding")) return undefined;
  const declared = headers.get("content-length");
  if (declared === null || !/^\d+$/.test(declared)) return undefined;
  return Number(declared);
}

async function readWhole(response: Response): Promise<Uint8Array> {
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * Hands each chunk to `take` until the body ends or `take` answers false (the transfer is cancelled
 * then). `length`: the body's plain length (plainLength), all of it once that many bytes came (no
 * read for the end: as cheap as one `arrayBuffer()` for a small answer).
 */
async function readChunks(
  body: ReadableStream<Uint8Array>,
  take: (chunk: Uint8Array) => boolean,
  length?: number,
): Promise<void> {
  const reader = body.getReader();
  for (let read = 0; read !== length; ) {
    const { done, value } = await reader.read();
    if (done) return;
    read += value.length;
    if (!take(value)) {
      await reader.cancel().catch(() => undefined);
      return;
    }
  }
}

/** The whole body, or `HttpResponseTooLargeError` (`what` names the request) once it passes `max` bytes. */
export async function readCapped(response: Response, max: number, what: () => string): Promise<Uint8Array> {
  const read = new Chunks();
  if (!response.body) return read.concat();
  const plain = plainLength(response);
  if (plain !== undefined && plain <= max) return readWhole(response);
  let over = false;
  await readChunks(response.body, (chunk) => {
    over = read.total + chunk.length > max;
    if (!over) read.push(chunk);
    return !over;
  });
  if (over) throw new HttpResponseTooLargeError(`${what()}: the response exceeds the limit of ${max} bytes`, max);
  return read.concat();
}

/**
 * The body's first `keep` bytes (`bodyPrefixBytes`): reading stops there, where the request timed
 * out (`timedOut`) after the response head came, or where the body stopped decompressing as its
 * Content-Encoding says (a 2xx with a mislabelled body is still the endpoint's answer: thrown, it
 * would be a transport failure and the records, delivered, sent again); other read failures are
 * thrown.
 */
export async function readPrefix(
  response: Response,
  keep: number,
  timedOut: () => boolean,
): Promise<{ body: Uint8Array; truncated: boolean }> {
  const read = new Chunks();
  let truncated = false;
  if (!response.body) return { body: read.concat(), truncated };
  try {
    // Read chunk by chunk also when the body declares its length: a body still arriving at the
    // request timeout gives the bytes that came (the HTTP sink's excerpt), not nothing.
    const plain = plainLength(response);
    await readChunks(
      response.body,
      (chunk) => {
        const take = Math.min(chunk.length, keep - read.total);
        read.push(take < chunk.length ? chunk.subarray(0, take) : chunk);
        truncated = take < chunk.length || read.total === keep;
        return !truncated;
      },
      plain !== undefined && plain < keep ? plain : undefined,
    );
  } catch (error) {
    if (!timedOut() && transportFailureOf(error) !== "decode") throw error;
    truncated = true;
  }
  return { body: read.concat(), truncated };
}
