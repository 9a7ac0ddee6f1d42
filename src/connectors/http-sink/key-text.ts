/**
 * The text of a record key where the HTTP sink puts it: the `${key}` of the URL template and the
 * `sink.forward.key.header`. A string key is its text (`abc`, not the `"abc"` JsonConverter would
 * write); a bytes key (ByteArrayConverter, a Connect BYTES key) is its bytes in unpadded base64url
 * (RFC 4648 §5: lossless, and with no `/`, `+` or `=` to escape in a URL); an integer key its decimal
 * text; any other key is what the key converter writes, as UTF-8 text (a struct or map as its JSON),
 * or in base64url when those bytes are not UTF-8 (DoubleConverter). Null is none.
 */
import type { TaskConverters } from "../../api/connector.ts";
import { JsonText } from "../../api/data/json-text.ts";
import type { SinkRecord } from "../../api/record.ts";
import { RecordHeaders } from "../../api/record-headers.ts";
import { DataError } from "../../errors.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true });
const INTEGER_SCHEMAS = new Set(["INT8", "INT16", "INT32", "INT64"]);

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");
}

export function keyText(record: SinkRecord, converter: TaskConverters["key"]): string | null {
  try {
    const raw = record.key;
    const key = raw instanceof JsonText ? raw.value() : raw;
    if (key === null || key === undefined) return null;
    if (typeof key === "string") return key;
    if (key instanceof Uint8Array) return base64url(key);
    // An integer is its decimal text, as JsonConverter writes it (IntegerConverter would write 4 bytes).
    if (typeof key === "bigint" || (typeof key === "number" && INTEGER_SCHEMAS.has(record.keySchema?.type ?? ""))) {
      return String(key);
    }
    const bytes = converter.fromConnectData(
      record.topic,
      RecordHeaders.mutable(),
      record.keySchema,
      // Consumed JSON nobody parsed goes to JsonConverter as it is (its exact text).
      converter.acceptsJsonText === true ? raw : key,
    );
    if (bytes === null) return null;
    try {
      return utf8.decode(bytes);
    } catch {
      return base64url(bytes); // not text (DoubleConverter's 8 bytes): lossless, where decoding would merge keys
    }
  } catch (error) {
    throw new DataError(`The key converter could not write the record key: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
