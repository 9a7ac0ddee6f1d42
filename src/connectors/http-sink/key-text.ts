/**
 * The text of a record key where the HTTP sink puts it: the `${key}` of the URL template and the
 * `sink.forward.key.header`. A string key is its text (`abc`, not the `"abc"` JsonConverter would
 * write); a bytes key (ByteArrayConverter, a Connect BYTES key) is its bytes in unpadded base64url
 * (RFC 4648 §5: lossless, and with no `/`, `+` or `=` to escape in a URL); a number or boolean key
 * its text as Java prints it (`42`, `2.0`, `true`); any other key is what the key converter writes,
 * as UTF-8 text (a struct or map as its JSON), or in base64url when those bytes are not UTF-8 (a
 * StringConverter in UTF-16). Null is none.
 */
import type { TaskConverters } from "../../api/connector.ts";
import { JavaDouble } from "../../api/data/java-double.ts";
import { javaToString } from "../../api/data/java-text.ts";
import { JsonText } from "../../api/data/json-text.ts";
import type { SinkRecord } from "../../api/record.ts";
import { RecordHeaders } from "../../api/record-headers.ts";
import { DataError } from "../../errors.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true });
const PRIMITIVE_SCHEMAS = new Set(["INT8", "INT16", "INT32", "INT64", "FLOAT32", "FLOAT64", "BOOLEAN"]);

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
    // A number or boolean is its text, as JsonConverter and StringConverter write it (IntegerConverter
    // would write 4 bytes, DoubleConverter 8 that are sometimes UTF-8, BooleanConverter a 0x00 or 0x01).
    if (typeof key === "bigint") return String(key);
    const primitive = typeof key === "number" || typeof key === "boolean" || key instanceof JavaDouble;
    if (primitive && PRIMITIVE_SCHEMAS.has(record.keySchema?.type ?? "")) return javaToString(key, record.keySchema);
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
      return base64url(bytes); // not UTF-8 text: lossless, where decoding would merge keys
    }
  } catch (error) {
    throw new DataError(`The key converter could not write the record key: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
