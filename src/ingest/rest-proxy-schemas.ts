/**
 * The request bodies of Confluent REST Proxy's produce API (shared/rest-proxy-api.md), declared
 * once with valibot: the same declarations validate requests and generate /openapi.json.
 */
import * as v from "valibot";
import { JacksonInteger, JacksonPartition } from "./jackson-integer.ts";

/**
 * A JSON object with these entries. valibot's `object` takes an array for an object (its fields
 * then all missing), so a `[…]` body or record would be written as an empty record; REST Proxy's
 * Jackson refuses an array where an object is declared, and so does this (the JSON schema is the
 * object's: the check adds nothing to /openapi.json).
 */
function jsonObject<const E extends v.ObjectEntries>(entries: E) {
  const notArray = v.custom<unknown>(
    (input) => !Array.isArray(input),
    "Invalid type: Expected Object but received Array",
  );
  return v.pipe(notArray, v.object(entries));
}
const schemaFields = {
  key_schema: v.optional(v.nullable(v.string())),
  key_schema_id: v.optional(JacksonInteger),
  value_schema: v.optional(v.nullable(v.string())),
  value_schema_id: v.optional(JacksonInteger),
};

/** v2 `application/vnd.kafka.json.v2+json`: key and value are embedded JSON. */
export const V2JsonRecord = v.pipe(
  jsonObject({
    key: v.optional(v.unknown()),
    value: v.optional(v.unknown()),
    partition: v.optional(JacksonPartition),
  }),
  v.description("A record whose key and value are embedded JSON."),
);

/** v2 `application/vnd.kafka.binary.v2+json`: key and value are base64 strings. */
export const V2BinaryRecord = v.pipe(
  jsonObject({
    key: v.optional(v.nullable(v.string())),
    value: v.optional(v.nullable(v.string())),
    partition: v.optional(JacksonPartition),
  }),
  v.description("A record whose key and value are base64-encoded bytes."),
);

export const V2JsonProduceRequest = jsonObject({
  records: v.pipe(v.array(V2JsonRecord), v.minLength(1, "records may not be empty")),
  ...schemaFields,
});

export const V2BinaryProduceRequest = jsonObject({
  records: v.pipe(v.array(V2BinaryRecord), v.minLength(1, "records may not be empty")),
  ...schemaFields,
});

export const V3DataType = v.picklist(["BINARY", "JSON", "STRING", "AVRO", "JSONSCHEMA", "PROTOBUF"]);

/** v3 key or value: `{type, data}`; type omitted (and no schema) means BINARY. */
export const V3Data = jsonObject({
  type: v.optional(V3DataType),
  data: v.optional(v.unknown()),
  subject: v.optional(v.nullable(v.string())),
  subject_name_strategy: v.optional(v.nullable(v.string())),
  schema_id: v.optional(JacksonInteger),
  schema_version: v.optional(JacksonInteger),
  schema: v.optional(v.nullable(v.string())),
});

export const V3Header = jsonObject({
  name: v.string(),
  /** base64, or null. */
  value: v.optional(v.nullable(v.string())),
});

const timestamp = v.pipe(
  v.string(),
  v.check((s) => !Number.isNaN(Date.parse(s)), "timestamp must be an ISO-8601 instant such as 2021-02-05T19:14:42Z"),
);

const v3RecordEntries = {
  partition_id: v.optional(JacksonPartition),
  headers: v.optional(v.nullable(v.array(V3Header))),
  key: v.optional(v.nullable(V3Data)),
  value: v.optional(v.nullable(V3Data)),
  timestamp: v.optional(v.nullable(timestamp)),
};

/** v3 `POST …/records`: one record per JSON object (several concatenated in streaming mode). */
export const V3ProduceRequest = jsonObject(v3RecordEntries);

export const V3BatchEntry = jsonObject({
  id: v.pipe(v.string(), v.minLength(1, "id must be 1-80 characters"), v.maxLength(80, "id must be 1-80 characters")),
  ...v3RecordEntries,
});

/** v3 `POST …/records:batch`. */
export const V3BatchRequest = jsonObject({
  entries: v.pipe(
    v.array(V3BatchEntry),
    v.minLength(1),
    v.description(
      "At most ingest.rest.proxy.batch.max.entries (default 10) and ingest.max.records entries, ids distinct",
    ),
  ),
});

/** The first issue of a failed validation as one line: `records[0].partition: Invalid type …`. */
export function issueMessage(issues: readonly v.BaseIssue<unknown>[]): string {
  const issue = issues[0]!;
  const path = (issue.path ?? [])
    .map((p, i) => (typeof p.key === "number" ? `[${p.key}]` : `${i === 0 ? "" : "."}${String(p.key)}`))
    .join("");
  // A required field left out: said so, not in valibot's words (`Expected "records" but received undefined`).
  if (path && issue.kind === "schema" && issue.type === "object" && issue.input === undefined)
    return `${path}: Required field is missing`;
  return path ? `${path}: ${issue.message}` : issue.message;
}
