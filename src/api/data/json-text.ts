/**
 * JsonText: one JSON value as the exact text a source received, offered as a record's key or value
 * so that JSON nobody looks at reaches Kafka without a parse and re-serialize.
 *
 * - JsonConverter with `schemas.enable=false` writes its UTF-8 bytes as they are (white space and
 *   number spelling included: the bytes in Kafka are the bytes received); with `schemas.enable=true`
 *   it parses and writes Connect's envelope as for any schemaless value.
 * - StringConverter writes the text.
 * - Every other converter, every transformation and every predicate sees the parsed, schemaless
 *   value (`value()`): the runtime materializes it once, where something needs it.
 * - Its objects are JsonConverter's HashMaps, unless it is `jacksonBound` (JSON a client sent that
 *   Jackson binds into Object, REST Proxy data and ingest key fields): then LinkedHashMaps.
 *
 * A JsonText of consumed bytes (`fromBytes`, what JsonConverter hands a sink that passes JSON
 * through) keeps the bytes only: its text is decoded when asked for and not kept, so a record the
 * sink holds until delivered holds its value once, not as bytes and text.
 *
 * The source guarantees the text is one valid JSON value (it parsed or validated it); `value()`
 * reads it exactly (integers beyond ±2^53 as bigint, as JsonConverter reads them). A text nesting
 * deeper than MAX_JSON_DEPTH is a DataError from `value()` and `toJSON()` (their readers recurse):
 * the error operator handles it like any bad record, the task does not die of a stack overflow.
 */
import { DataError } from "../../errors.ts";
import { setOwn } from "../../util/own-property.ts";
import type { ConnectRecord } from "../record.ts";
import { asJacksonBound } from "./java-map-order.ts";
import { jsonDeeperThan, MAX_JSON_DEPTH, tooDeepMessage } from "./json-depth.ts";
import { JsonNumberText, readJsonText } from "./json-reader.ts";
import { int64Value } from "./schema.ts";
import { isPlainObject } from "./schemaless.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const NOT_READ: unique symbol = Symbol("NOT_READ");

export class JsonText {
  #text: string | undefined;
  #bytes: Uint8Array | undefined;
  #value: unknown = NOT_READ;
  #linked = false;

  /** `text` must be exactly one valid JSON value; `bytes`, when given, is its UTF-8 encoding. */
  constructor(text: string, bytes?: Uint8Array) {
    this.#text = text;
    this.#bytes = bytes;
  }

  /**
   * A JsonText of `bytes`, exactly one valid JSON value in UTF-8 (no byte order mark), kept without
   * their text; `jacksonBound` as for `JsonText.jacksonBound`.
   */
  static fromBytes(bytes: Uint8Array, jacksonBound = false): JsonText {
    const json = new JsonText("", bytes);
    json.#text = undefined;
    json.#linked = jacksonBound;
    return json;
  }

  /**
   * A JsonText of JSON a client sent that Jackson binds into `Object`, as Confluent REST Proxy reads
   * a record's JSON data: `value()` gives its objects as LinkedHashMaps (java-map-order.ts
   * `asJacksonBound`), iterated in the text's order where a transformation or a `schemas.enable=true`
   * envelope writes them, not as JsonConverter's HashMaps. `text` as for the constructor.
   */
  static jacksonBound(text: string): JsonText {
    const json = new JsonText(text);
    json.#linked = true;
    return json;
  }

  /** The same JSON (text and binding) with `bytes`, its UTF-8 encoding, as its own bytes. */
  withBytes(bytes: Uint8Array): JsonText {
    const json = new JsonText(this.text, bytes);
    json.#linked = this.#linked;
    return json;
  }

  /** Whether it was made `jacksonBound` (its objects are LinkedHashMaps). */
  get isJacksonBound(): boolean {
    return this.#linked;
  }

  /** The JSON text: as given, or decoded from the bytes each time (a JsonText of bytes keeps no text). */
  get text(): string {
    return this.#text ?? decoder.decode(this.#bytes);
  }

  /** The text when held (given to the constructor), without decoding the bytes. */
  decoded(): string | undefined {
    return this.#text;
  }

  /** The UTF-8 bytes of the text (encoded once). */
  bytes(): Uint8Array {
    this.#bytes ??= encoder.encode(this.text);
    return this.#bytes;
  }

  /** The UTF-8 bytes when at hand (given, or encoded by `bytes()` already), without encoding them. */
  encoded(): Uint8Array | undefined {
    return this.#bytes;
  }

  /** The parsed schemaless Connect value (read once): what JsonConverter would give back for these bytes. */
  value(): unknown {
    if (this.#value === NOT_READ) {
      const text = this.text;
      this.checkDepth(text);
      const value = schemaless(readJsonText(text));
      this.#value = this.#linked ? asJacksonBound(value) : value;
    }
    return this.#value;
  }

  toString(): string {
    return this.text;
  }

  /** As JSON (logs, error reports): the same JSON value, numbers as written (white space aside). */
  toJSON(): unknown {
    const text = this.text;
    if (jsonDeeperThan(text, MAX_JSON_DEPTH)) return text; // the text itself: logs stay readable
    return rawNumbers(readJsonText(text, true));
  }

  private checkDepth(text: string): void {
    if (jsonDeeperThan(text, MAX_JSON_DEPTH)) throw new DataError(tooDeepMessage("The JSON value", MAX_JSON_DEPTH));
  }
}

/** `value` with a JsonText replaced by its parsed value; anything else unchanged. */
export function materialized(value: unknown): unknown {
  return value instanceof JsonText ? value.value() : value;
}

/** The reader's output with every bigint and JsonNumberText as its raw JSON text. */
function rawNumbers(json: unknown): unknown {
  if (typeof json === "bigint") return JSON.rawJSON(json.toString());
  if (json instanceof JsonNumberText) return JSON.rawJSON(json.source);
  if (Array.isArray(json)) return json.map(rawNumbers);
  if (isPlainObject(json)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(json)) setOwn(out, k, rawNumbers(json[k]));
    return out;
  }
  return json;
}

/** The reader's output as a schemaless Connect value: 64-bit longs, fractions and exponents as Doubles. */
function schemaless(json: unknown): unknown {
  if (json === null || typeof json !== "object") {
    return typeof json === "bigint" ? int64Value(BigInt.asIntN(64, json)) : json;
  }
  if (json instanceof JsonNumberText) return json.toDouble();
  if (Array.isArray(json)) {
    for (let i = 0; i < json.length; i++) json[i] = schemaless(json[i]);
    return json;
  }
  if (isPlainObject(json)) {
    for (const k of Object.keys(json)) {
      const before = json[k];
      const after = schemaless(before);
      if (after !== before) setOwn(json, k, after);
    }
  }
  return json;
}

/** `record` with a JsonText key or value replaced by its parsed value (the same record when neither is). */
export function withParsedJson<R extends ConnectRecord>(record: R): R {
  const { key, value } = record;
  if (!(key instanceof JsonText) && !(value instanceof JsonText)) return record;
  return { ...record, key: materialized(key), value: materialized(value) };
}
