/**
 * The text of a record key where the HTTP sink puts it: the `${key}` of the URL template and the
 * `sink.forward.key.header`. A string key is its text (`abc`, not the `"abc"` JsonConverter would
 * write); a bytes key (ByteArrayConverter, a Connect BYTES key) is its bytes in unpadded base64url
 * (RFC 4648 §5: lossless, and with no `/`, `+` or `=` to escape in a URL); any other key is what the
 * key converter writes, as UTF-8 text (a number `42`, a struct or map as its JSON). Null is none.
 */
import type { TaskConverters } from "../../api/connector.ts";
import { JsonText } from "../../api/data/json-text.ts";
import type { SinkRecord } from "../../api/record.ts";
import { RecordHeaders } from "../../api/record-headers.ts";
import { DataError } from "../../errors.ts";

const text = new TextDecoder();

export function keyText(record: SinkRecord, converter: TaskConverters["key"]): string | null {
  try {
    const raw = record.key;
    const key = raw instanceof JsonText ? raw.value() : raw;
    if (key === null || key === undefined) return null;
    if (typeof key === "string") return key;
    if (key instanceof Uint8Array) return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString("base64url");
    const bytes = converter.fromConnectData(
      record.topic,
      RecordHeaders.mutable(),
      record.keySchema,
      // Consumed JSON nobody parsed goes to JsonConverter as it is (its exact text).
      converter.acceptsJsonText === true ? raw : key,
    );
    return bytes === null ? null : text.decode(bytes);
  } catch (error) {
    throw new DataError(`The key converter could not write the record key: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
