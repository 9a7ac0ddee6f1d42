/**
 * The OpenAPI 3.1 description of the ingest listener, served at /openapi.json: every open ingest
 * route (its path, modes, limits, topic) and the REST Proxy produce routes for the topics the
 * routes name. Request bodies come from the same valibot declarations that validate requests
 * (rest-proxy-schemas.ts), converted with @valibot/to-json-schema, so clients and fuzzers see
 * exactly what is checked.
 */
import { toJsonSchema } from "@valibot/to-json-schema";
import type { GenericSchema } from "valibot";
import * as v from "valibot";
import { GATEWAY_VERSION } from "../version.ts";
import { JACKSON_JSON_SCHEMAS } from "./jackson-integer.ts";
import {
  V2BinaryProduceRequest,
  V2JsonProduceRequest,
  V3BatchRequest,
  V3ProduceRequest,
} from "./rest-proxy-schemas.ts";
import { V2_BINARY, V2_GENERIC, V2_JSON } from "./rest-proxy-v2.ts";
import type { IngestRoute } from "./route-table.ts";

const nullableInt = v.nullable(v.pipe(v.number(), v.integer()));

/** Responses, declared like the requests (they are built by the response modules). */
export const ErrorResponse = v.object({ error_code: v.pipe(v.number(), v.integer()), message: v.string() });
export const NativeResponse = v.object({
  topic: v.string(),
  offsets: v.array(
    v.object({
      topic: v.pipe(
        v.optional(v.string()),
        v.description(
          "The topic the record was written to, present only when a transformation (RegexRouter, TimestampRouter, any SMT setting the topic) wrote it to another topic than the route's (the answer's top-level topic); partition and offset are in this topic.",
        ),
      ),
      partition: nullableInt,
      offset: nullableInt,
      timestamp: v.optional(nullableInt),
      dropped: v.optional(v.boolean()),
      spooled: v.optional(v.boolean()),
      error_code: v.optional(v.number()),
      error: v.optional(v.string()),
    }),
  ),
});
export const V2ProduceResponse = v.object({
  offsets: v.array(
    v.object({ partition: nullableInt, offset: nullableInt, error_code: nullableInt, error: v.nullable(v.string()) }),
  ),
  key_schema_id: nullableInt,
  value_schema_id: nullableInt,
});
const DataInfo = v.object({ type: v.picklist(["BINARY", "JSON", "STRING"]), size: v.number() });
/** Where a v3 record landed (a 200's report, a 207's success: the latter without error_code, as REST Proxy). */
const v3Landing = {
  cluster_id: v.optional(v.string()),
  topic_name: v.pipe(
    v.optional(v.string()),
    v.description(
      "The topic the record was written to: the URL's {topic_name}, or another one when a transformation (RegexRouter, TimestampRouter, any SMT setting the topic) changed it; partition_id and offset are in this topic.",
    ),
  ),
  partition_id: v.optional(v.number()),
  offset: v.optional(v.number()),
  timestamp: v.optional(v.string()),
  key: v.optional(DataInfo),
  value: v.optional(DataInfo),
};
export const V3DeliveryReport = v.object({ error_code: v.number(), message: v.optional(v.string()), ...v3Landing });
export const V3BatchResponse = v.object({
  successes: v.array(v.object({ id: v.string(), ...v3Landing })),
  failures: v.array(v.object({ id: v.string(), error_code: v.number(), message: v.string() })),
});

function schema(s: GenericSchema): Record<string, unknown> {
  return toJsonSchema(s, {
    target: "draft-2020-12",
    errorMode: "ignore",
    overrideSchema: ({ valibotSchema }) => JACKSON_JSON_SCHEMAS.get(valibotSchema),
  }) as Record<string, unknown>;
}

/**
 * The named schemas (components.schemas), referenced by the operations: client generators make one
 * model of each (not one per operation and status, nor clashing ones where a body has several
 * content types).
 */
const SCHEMAS = {
  ErrorResponse,
  NativeResponse,
  V2ProduceResponse,
  V3DeliveryReport,
  V3BatchResponse,
  V2JsonProduceRequest,
  V2BinaryProduceRequest,
  V3ProduceRequest,
  V3BatchRequest,
} satisfies Record<string, GenericSchema>;

function components(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(SCHEMAS)) {
    const { $schema: _, ...rest } = schema(s);
    out[name] = rest;
  }
  return out;
}

function json(name: keyof typeof SCHEMAS): { schema: Record<string, unknown> } {
  return { schema: { $ref: `#/components/schemas/${name}` } };
}

/** Seconds to wait before retrying (429, 503, and 409 of a key still in use). */
const retryAfter = {
  "Retry-After": { description: "Seconds to wait before retrying", schema: { type: "integer", minimum: 1 } },
};

const errorResponses = {
  "400": { description: "Malformed request", content: { "application/json": json("ErrorResponse") } },
  "401": {
    description: "Not authenticated",
    headers: {
      "WWW-Authenticate": { description: "A challenge per authentication method", schema: { type: "string" } },
    },
    content: { "application/json": json("ErrorResponse") },
  },
  "403": {
    description:
      "Not allowed to write to this route or topic; on REST Proxy's routes also when Kafka refused the gateway's principal the topic (40301: nothing was written, the same request succeeds once an operator granted it)",
    content: { "application/json": json("ErrorResponse") },
  },
  "404": { description: "No such route, topic or partition", content: { "application/json": json("ErrorResponse") } },
  "408": {
    description: "The body did not arrive within ingest.request.timeout.ms (the connection closes)",
    content: { "application/json": json("ErrorResponse") },
  },
  "409": {
    description:
      "The same request with this Idempotency-Key is still being handled, or its records may still be written (sent, not yet acknowledged by Kafka); another request with the key is 422",
    headers: retryAfter,
    content: { "application/json": json("ErrorResponse") },
  },
  "413": {
    description:
      "Body or record too large (a body over twice the largest ingest.max.body.bytes plus 1 MiB gets the HTTP server's own 413, without a body)",
    content: { "application/json": json("ErrorResponse") },
  },
  "415": {
    description: "Unsupported Content-Type, or a Content-Encoding other than identity (bodies are not decoded)",
    content: { "application/json": json("ErrorResponse") },
  },
  "422": {
    description:
      "Invalid records, too many records, or Idempotency-Key reused with another body (also while the first request is being handled)",
    content: { "application/json": json("ErrorResponse") },
  },
  "431": {
    description: "Request headers over the HTTP server's limit (16 KiB), answered before any route, without a body",
  },
  "429": {
    description: "Quota exceeded (Retry-After)",
    headers: retryAfter,
    content: { "application/json": json("ErrorResponse") },
  },
  "503": {
    description:
      "Paused, stopped, deleted, overloaded or no running task, or, on the connector's own path, Kafka refused the gateway's principal the topic (Retry-After); nothing was written",
    headers: retryAfter,
    content: { "application/json": json("ErrorResponse") },
  },
  "5XX": {
    description: "Kafka did not acknowledge every record",
    content: { "application/json": json("ErrorResponse") },
  },
};

const idempotencyKey = {
  name: "Idempotency-Key",
  in: "header",
  required: false,
  description: "Retrying with the same key and body answers the first response without writing again.",
  schema: { type: "string", minLength: 1, maxLength: 255, pattern: "^[!-~]+$" },
};

function nativeOperation(route: IngestRoute): Record<string, unknown> {
  const { settings } = route;
  const content: Record<string, unknown> = {};
  const max = settings.limits.maxRecords;
  // An array's items are any JSON (generators skip an array schema without `items`).
  if (settings.mode === "batch")
    content["application/json"] = { schema: { type: "array", minItems: 1, maxItems: max, items: {} } };
  else
    content["application/json"] = {
      schema: {
        description: `One JSON document${settings.mode === "auto" ? `, or a JSON array of 1 to ${max} records` : ""}`,
      },
    };
  if (settings.mode !== "single")
    content["application/x-ndjson"] = { schema: { type: "string", description: "One JSON record per line" } };
  if (settings.mode !== "batch") {
    // application/octet-stream named as well: generators that take no `*/*` still offer raw records.
    const raw = { type: "string", contentMediaType: "application/octet-stream" };
    content["application/octet-stream"] = { schema: { ...raw, description: "A raw record" } };
    content["*/*"] = { schema: { ...raw, description: "A raw record, kept with its content type" } };
  }
  return {
    operationId: `ingest_${route.connector}`,
    summary: `Write records to ${settings.topic} (connector ${route.connector}, ingest.mode=${settings.mode})`,
    parameters: [idempotencyKey],
    requestBody: {
      required: true,
      content,
      description: `At most ${settings.limits.maxBodyBytes} bytes, ${settings.limits.maxRecords} records of at most ${settings.limits.maxRecordBytes} bytes each.`,
    },
    responses: {
      "200": {
        description: "Every record acknowledged by Kafka; where each landed, in order",
        content: { "application/json": json("NativeResponse") },
      },
      ...errorResponses,
    },
  };
}

export function openApiDocument(routes: readonly IngestRoute[]): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  const topics = new Set<string>();
  for (const route of routes) {
    paths[route.settings.path] = { post: nativeOperation(route) };
    for (const t of route.restProxyTopics) topics.add(t);
  }
  if (topics.size > 0) {
    const topic = { name: "topic", in: "path", required: true, schema: { type: "string", enum: [...topics].sort() } };
    const topicName = { ...topic, name: "topic_name" };
    const cluster = { name: "cluster_id", in: "path", required: true, schema: { type: "string" } };
    const partition = {
      name: "partition",
      in: "path",
      required: true,
      schema: { type: "integer", minimum: 0, maximum: 2147483647 },
    };
    const v2Body = {
      required: true,
      content: {
        [V2_JSON]: json("V2JsonProduceRequest"),
        [V2_BINARY]: json("V2BinaryProduceRequest"),
        [V2_GENERIC]: json("V2BinaryProduceRequest"),
        // REST Proxy takes plain JSON as binary too (the binary type weighs most for generic types).
        "application/json": json("V2BinaryProduceRequest"),
      },
    };
    const v2Responses = {
      "200": {
        description: "One offsets entry per record, in order (failed records carry error_code)",
        content: { [V2_GENERIC]: json("V2ProduceResponse") },
      },
      ...errorResponses,
    };
    paths["/topics/{topic}"] = {
      post: {
        operationId: "produceV2",
        summary: "REST Proxy v2 produce",
        parameters: [topic, idempotencyKey],
        requestBody: v2Body,
        responses: v2Responses,
      },
    };
    paths["/topics/{topic}/partitions/{partition}"] = {
      post: {
        operationId: "produceV2Partition",
        summary: "REST Proxy v2 produce to a partition",
        parameters: [topic, partition, idempotencyKey],
        requestBody: v2Body,
        responses: v2Responses,
      },
    };
    paths["/v3/clusters/{cluster_id}/topics/{topic_name}/records"] = {
      post: {
        operationId: "produceRecord",
        summary: "REST Proxy v3 produce: one record, or concatenated records (streaming: one delivery report each)",
        description:
          "Streaming mode (Transfer-Encoding: chunked, no Idempotency-Key): 200 at once, then each record's delivery report as soon as it and every earlier record settled, in order, while the client goes on sending; an error that ends the stream is its last report. ingest.max.body.bytes bounds each record's text; ingest.streaming.max.duration.ms the stream.",
        parameters: [cluster, topicName, idempotencyKey],
        requestBody: { required: true, content: { "application/json": json("V3ProduceRequest") } },
        responses: {
          "200": { description: "Delivery report(s)", content: { "application/json": json("V3DeliveryReport") } },
          ...errorResponses,
        },
      },
    };
    paths["/v3/clusters/{cluster_id}/topics/{topic_name}/records:batch"] = {
      post: {
        operationId: "produceRecordsBatch",
        summary: "REST Proxy v3 batch produce",
        parameters: [cluster, topicName, idempotencyKey],
        requestBody: { required: true, content: { "application/json": json("V3BatchRequest") } },
        responses: {
          "207": { description: "Successes and failures", content: { "application/json": json("V3BatchResponse") } },
          ...errorResponses,
        },
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Edge gateway ingest API",
      version: GATEWAY_VERSION,
      description: "Devices POST records; each request is answered once Kafka acknowledged all of its records.",
    },
    paths,
    components: { schemas: components() },
  };
}
