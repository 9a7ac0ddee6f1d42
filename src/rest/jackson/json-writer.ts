/**
 * Response bodies written as Connect's Jackson writes them (UTF8JsonGenerator, default features):
 * JSON.stringify's text with Jackson's escapes (util/jackson-escapes.ts: every UTF-16 surrogate as
 * its own `\uXXXX`, upper-case hex digits).
 */
import { jacksonEscapes } from "../../util/jackson-escapes.ts";

/** JSON text of `value` as Jackson writes it; bigints are written as exact integers. */
export function jacksonStringify(value: unknown): string {
  return jacksonEscapes(
    JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? JSON.rawJSON(v.toString()) : v)),
  );
}
