/**
 * Request bodies of the admin REST API read under limits (issue 8 point 6): at most
 * `rest.request.body.max.bytes` (413 without reading the rest) within
 * `rest.request.body.timeout.ms` (408). `server.ts` reads the body of every route that takes one.
 */
import { RestError } from "../errors.ts";

export interface BodyLimits {
  readonly maxBytes: number;
  readonly timeoutMs: number;
}

export const DEFAULT_BODY_LIMITS: BodyLimits = { maxBytes: 1_048_576, timeoutMs: 30_000 };

export function hasBody(request: Request): boolean {
  const length = request.headers.get("Content-Length");
  return (length !== null && Number(length) > 0) || request.headers.has("Transfer-Encoding");
}

/**
 * Reads a request body under the limits: a declared Content-Length over the limit is refused
 * before reading anything, a body that grows past it is cut off there, one that does not arrive
 * in time is abandoned; the rest is never read (the connection closes).
 */
export async function readBody(request: Request, limits: BodyLimits): Promise<Uint8Array> {
  const tooLarge = () =>
    new RestError(
      413,
      `Request body is larger than the limit of ${limits.maxBytes} bytes (rest.request.body.max.bytes)`,
    );
  const declared = request.headers.get("Content-Length");
  if (declared !== null && Number(declared) > limits.maxBytes) throw tooLarge();
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new RestError(408, `Request body not received within ${limits.timeoutMs} ms (rest.request.body.timeout.ms)`),
        ),
      limits.timeoutMs,
    );
  });
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), timeout]);
      if (done) break;
      total += value.byteLength;
      if (total > limits.maxBytes) throw tooLarge();
      chunks.push(value);
    }
  } catch (error) {
    reader.cancel().catch(() => undefined);
    throw error;
  } finally {
    clearTimeout(timer);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}
