/**
 * A REST Proxy body field Jackson reads into a `java.lang.Integer` (v2 `partition`, `key_schema_id`,
 * `value_schema_id`; v3 `partition_id`, `schema_id`, `schema_version`), read as Jackson 2.21's
 * default coercions read it (recorded with jackson-databind 2.21.2, in the tests):
 * - a JSON integer in int range as is; a JSON float in int range truncated (`7.9` → 7, `-0.0` → 0:
 *   ACCEPT_FLOAT_AS_INT); either beyond it refused;
 * - a string trimmed of the characters up to U+0020 (Java's String.trim): empty or `null` is null,
 *   else an optional sign and decimal digits (any Unicode decimal digit, as Integer.parseInt reads
 *   them: `"١"` is 1) in int range; `"7.0"`, `"1e2"`, `"0x7"` are refused;
 * - null is null; a boolean, an array or an object is refused.
 * A refusal is Jackson's message. One difference: a number beyond int range is shown as JavaScript
 * prints it (`1E400` as `Infinity`), Jackson shows it as written.
 */
import * as v from "valibot";
import { javaIntPathParam } from "./java-int-param.ts";

const INT_MIN = -2_147_483_648;
const INT_MAX = 2_147_483_647;
const LONG_MAX = 2n ** 63n - 1n;
const INTEGER = "`java.lang.Integer`";

/** Java's String.trim: every character up to U+0020 off both ends. */
function javaTrim(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && text.charCodeAt(start) <= 0x20) start++;
  while (end > start && text.charCodeAt(end - 1) <= 0x20) end--;
  return text.slice(start, end);
}

/** Whether Long.parseLong reads `text` (sign, Unicode decimal digits, long range). */
function javaLong(text: string): boolean {
  const sign = text[0] === "-" || text[0] === "+" ? text[0] : "";
  const digits = text.slice(sign.length);
  let ascii = "";
  for (const char of digits) {
    const digit = javaIntPathParam(char); // a BMP decimal digit's value, as Character.digit
    if (digit === undefined) return false;
    ascii += digit;
  }
  if (ascii === "") return false;
  const value = BigInt(ascii);
  return sign === "-" ? value <= LONG_MAX + 1n : value <= LONG_MAX;
}

/** Jackson's StdDeserializer._parseInteger of a (trimmed) string. */
function fromString(raw: string): number | null | string {
  const text = javaTrim(raw);
  if (text === "" || text === "null") return null;
  const value = javaIntPathParam(text);
  if (value !== undefined) return value;
  const why =
    text.length > 9 && javaLong(text)
      ? `Overflow: numeric value (${text}) out of range of ${INTEGER} (${INT_MIN} -${INT_MAX})`
      : `not a valid ${INTEGER} value`;
  return `Cannot deserialize value of type ${INTEGER} from String "${text}": ${why}`;
}

/** The Integer Jackson makes of `input`, or its message refusing it. */
export function jacksonInteger(input: unknown): number | null | string {
  if (input === null) return null;
  if (typeof input === "string") return fromString(input);
  if (typeof input === "number") {
    if (input < INT_MIN || input > INT_MAX || !Number.isFinite(input))
      return `Numeric value (${input}) out of range of int (${INT_MIN} - ${INT_MAX})`;
    return Math.trunc(input) + 0; // -0.0 is 0
  }
  const token =
    typeof input === "boolean"
      ? `Boolean value (token \`JsonToken.VALUE_${input ? "TRUE" : "FALSE"}\`)`
      : Array.isArray(input)
        ? "Array value (token `JsonToken.START_ARRAY`)"
        : "Object value (token `JsonToken.START_OBJECT`)";
  return `Cannot deserialize value of type ${INTEGER} from ${token}`;
}

/**
 * A valibot schema of such a field: its output is the Integer (null for null), its issue Jackson's
 * message. `base` is the field's own `unknown` schema, which /openapi.json declares (JACKSON_JSON_SCHEMAS).
 */
function integerField(base: v.UnknownSchema, description: string, min?: number) {
  return v.pipe(
    base,
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const read = jacksonInteger(dataset.value);
      if (typeof read === "string") {
        addIssue({ message: read });
        return NEVER;
      }
      if (min !== undefined && read !== null && read < min) {
        addIssue({ message: `Invalid value: Expected >=${min} but received ${read}` });
        return NEVER;
      }
      return read;
    }),
    v.description(description),
  );
}

const COERCED = "; a string holding one is read as it, as REST Proxy's Jackson coerces it";
const integerBase = v.unknown();
const partitionBase = v.unknown();

/** An Integer field (a schema id or version). */
export const JacksonInteger = integerField(integerBase, `An int, or null${COERCED}`);
/** A partition: an Integer of 0 or more. */
export const JacksonPartition = integerField(partitionBase, `A partition (an int of 0 or more), or null${COERCED}`, 0);

/**
 * What /openapi.json declares for them (valibot's converter cannot derive it from a transform): an
 * int, a string of up to 9 ASCII digits (also read: characters up to U+0020 around it, other
 * Unicode decimal digits, 10 digits in int range, "" and "null" as null), or null.
 */
export const JACKSON_JSON_SCHEMAS = new Map<unknown, Record<string, unknown>>([
  [
    integerBase,
    {
      anyOf: [
        { type: "integer", minimum: INT_MIN, maximum: INT_MAX },
        { type: "string", pattern: "^[+-]?[0-9]{1,9}$", examples: ["7"] },
        { type: "null" },
      ],
    },
  ],
  [
    partitionBase,
    {
      anyOf: [
        { type: "integer", minimum: 0, maximum: INT_MAX },
        { type: "string", pattern: "^[+]?[0-9]{1,9}$", examples: ["0"] },
        { type: "null" },
      ],
    },
  ],
]);
