/**
 * REST Proxy v2 produce (`POST /topics/{topic}`, `POST /topics/{topic}/partitions/{partition}`):
 * request content types, body validation and the response, byte for byte as
 * shared/rest-proxy-api.md gives them. The response is 200 with one `offsets[]` entry per record
 * in request order, also when some failed (each then carries its own error_code), as REST Proxy;
 * 403 when Kafka refused the gateway's principal the topic (a record's error_code 40301).
 */
import * as v from "valibot";
import { exactMember, exactReading, jsonDataElement } from "./exact-json-data.ts";
import { ErrorCodes, failedRecordCode, IngestError } from "./ingest-error.ts";
import type { IngestRecord, RecordOutcome } from "./ingest-record.ts";
import { jacksonBodyText } from "./json-body-text.ts";
import { depthChecked } from "./json-text.ts";
import { mediaType } from "./native-body.ts";
import { type Element, elementBytes, ingestRecord, representOr, restProxyHeaders } from "./record-builder.ts";
import { issueMessage, V2BinaryProduceRequest, V2JsonProduceRequest } from "./rest-proxy-schemas.ts";
import { decodeBase64 } from "./rest-proxy-v3-fields.ts";
import type { IngestRouteSettings } from "./route-settings.ts";

export type V2Format = "json" | "binary";

export const V2_JSON = "application/vnd.kafka.json.v2+json";
export const V2_BINARY = "application/vnd.kafka.binary.v2+json";
export const V2_GENERIC = "application/vnd.kafka.v2+json";
export const V2_SCHEMA_TYPES = [
  "application/vnd.kafka.avro.v2+json",
  "application/vnd.kafka.jsonschema.v2+json",
  "application/vnd.kafka.protobuf.v2+json",
];

export function unsupportedMediaType(): IngestError {
  return new IngestError(415, ErrorCodes.UNSUPPORTED_MEDIA_TYPE, "HTTP 415 Unsupported Media Type");
}

/** The embedded format a v2 Content-Type selects; binary for the generic types, as REST Proxy. */
export function v2Format(contentType: string | null): V2Format {
  const type = mediaType(contentType);
  if (type === V2_JSON) return "json";
  if (type === V2_BINARY || type === V2_GENERIC || type === "application/json") return "binary";
  if (type !== null && V2_SCHEMA_TYPES.includes(type)) {
    throw new IngestError(
      415,
      ErrorCodes.UNSUPPORTED_MEDIA_TYPE,
      `${type} needs a schema registry, which this gateway does not use: send ${V2_JSON} or ${V2_BINARY}`,
    );
  }
  throw unsupportedMediaType();
}

/** REST Proxy answers application/vnd.kafka.v2+json unless the client accepts only application/json. */
export function v2ResponseType(accept: string | null): string {
  if (!accept) return V2_GENERIC;
  const types = accept.split(",").map((t) => t.split(";")[0]!.trim().toLowerCase());
  if (types.includes(V2_GENERIC) || types.includes("*/*") || types.includes("application/*")) return V2_GENERIC;
  return types.includes("application/json") ? "application/json" : V2_GENERIC;
}

/** Not read with U+FFFD in place of what was sent (Jackson refuses it too: "Invalid UTF-8 start byte"). */
const notText = (encoding: string) =>
  new IngestError(400, ErrorCodes.BAD_REQUEST, `Malformed JSON: the request body is not valid ${encoding}`);

/**
 * The body parsed (in UTF-8, UTF-16 or UTF-32, told apart as Jackson does: json-body-text.ts), and
 * read exactly when a number in it may have been changed (exact-json-data.ts).
 */
function parseJsonBody(body: Uint8Array, maxDepth: number): { doc: unknown; exact: unknown } {
  const text = depthChecked(jacksonBodyText(body, notText).text, maxDepth);
  try {
    const doc = JSON.parse(text);
    return { doc, exact: exactReading(text, doc) };
  } catch (error) {
    throw new IngestError(400, ErrorCodes.BAD_REQUEST, `Malformed JSON: ${(error as Error).message}`);
  }
}

/**
 * The records of a v2 body; `pathPartition` is the partition of …/partitions/{p}, for the records
 * that name none (REST Proxy's AbstractProduceAction). Throws 4xx.
 */
export function parseV2Body(
  settings: IngestRouteSettings,
  request: Request,
  body: Uint8Array,
  receivedAt: number,
  format: V2Format,
  pathPartition: number | null,
  stamped = 0,
): IngestRecord[] {
  const { doc, exact } = parseJsonBody(body, settings.limits.maxJsonDepth);
  const schema = format === "json" ? V2JsonProduceRequest : V2BinaryProduceRequest;
  const parsed = v.safeParse(schema, doc);
  if (!parsed.success) throw new IngestError(422, 422, issueMessage(parsed.issues));
  // key_schema(_id) and value_schema(_id) are read and ignored: REST Proxy produces binary and json
  // requests without a schema (AbstractProduceAction.produceWithoutSchema).
  const request_ = parsed.output;
  const { limits } = settings;
  if (request_.records.length > limits.maxRecords)
    throw new IngestError(
      422,
      ErrorCodes.INVALID_PAYLOAD,
      `The request holds more than ${limits.maxRecords} records (ingest.max.records)`,
    );
  const { headers, copied } = restProxyHeaders(settings, request, receivedAt, request_.records.length, stamped);
  return request_.records.map((r, i) => {
    const element = (data: unknown, what: string): Element | null => {
      if (data === undefined || data === null) return null;
      if (format === "json")
        return jsonDataElement(data, exactMember(exactMember(exactMember(exact, "records"), i), what));
      const bytes = decodeBase64(data as string);
      if (!bytes)
        throw new IngestError(
          422,
          ErrorCodes.JSON_CONVERSION,
          `records[${i}].${what}: Bad Request: data=${data} is not a base64 string.`,
        );
      return { kind: "bytes", bytes };
    };
    const key = element(r.key, "key");
    const value = element(r.value, "value");
    const bytes = value ? elementBytes(value) : 0;
    if (bytes > limits.maxRecordBytes)
      throw new IngestError(
        413,
        ErrorCodes.PAYLOAD_TOO_LARGE,
        `Record ${i} is ${bytes} bytes, over the limit of ${limits.maxRecordBytes} (ingest.max.record.bytes); nothing was written`,
      );
    const notText = (what: string) => (reason: string) =>
      new IngestError(
        422,
        ErrorCodes.JSON_CONVERSION,
        `records[${i}].${what}: the data is ${reason}, and this route's ${what} converter writes text`,
      );
    return ingestRecord(
      representOr(key, settings.keyFormat, notText("key")),
      representOr(value, settings.valueFormat, notText("value")),
      headers,
      bytes + (key ? elementBytes(key) : 0) + copied,
      r.partition ?? pathPartition, // a record's own partition wins, as REST Proxy's serialize
      receivedAt,
    );
  });
}

/** The highest partition the records name, null when none does (for checking it exists before anything is written). */
export function highestNamedPartition(records: readonly IngestRecord[]): number | null {
  let highest: number | null = null;
  for (const r of records)
    if (r.partition !== null && (highest === null || r.partition > highest)) highest = r.partition;
  return highest;
}

/**
 * `{"offsets":[…],"key_schema_id":null,"value_schema_id":null}`, 200 as REST Proxy answers; 403 when a
 * record got 40301 (REST Proxy's ProduceResponse.getRequestStatus: Kafka refused the principal the topic).
 */
export function v2Response(outcomes: readonly RecordOutcome[], contentType: string): Response {
  const parts: string[] = new Array(outcomes.length);
  let denied = false;
  for (let i = 0; i < outcomes.length; i++) {
    const o = outcomes[i]!;
    if (o.kind === "failed" && o.denied) denied = true;
    parts[i] =
      o.kind === "written"
        ? `{"partition":${o.partition},"offset":${o.offset},"error_code":null,"error":null}`
        : o.kind === "dropped" || o.kind === "spooled"
          ? `{"partition":null,"offset":null,"error_code":null,"error":null}`
          : `{"partition":null,"offset":null,"error_code":${failedRecordCode(o)},"error":${JSON.stringify(o.message)}}`;
  }
  const body = `{"offsets":[${parts.join(",")}],"key_schema_id":null,"value_schema_id":null}`;
  if (denied) return new Response(body, { status: 403, headers: { "Content-Type": contentType } });
  return new Response(body, okInit(contentType));
}

/** The 200 init per response content type (two in practice): none built per request. */
const OK_INITS = new Map<string, ResponseInit>();

function okInit(contentType: string): ResponseInit {
  let init = OK_INITS.get(contentType);
  if (!init) {
    init = Object.freeze({ status: 200, headers: Object.freeze({ "Content-Type": contentType }) });
    OK_INITS.set(contentType, init);
  }
  return init;
}
