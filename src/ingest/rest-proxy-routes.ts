/**
 * Confluent REST Proxy produce routes on the ingest listener (shared/rest-proxy-api.md). `{topic}`
 * reaches only topics an ingest connector names (kafka.topic, ingest.rest.proxy.topics); anything
 * else is REST Proxy's 404 `{"error_code":40401,"message":"Topic not found."}`; when every connector
 * serving them requires authentication, only to a request one of them admits (rest-proxy-gate.ts:
 * 401 before). Each request then
 * runs the same pipeline as the connector's own path, with that connector's stages and limits.
 *
 * Each path is also served with one trailing slash (`POST /topics/t/`, `…/partitions/0/`,
 * `…/records/`, `…/records:batch/`), as REST Proxy serves it: Jersey matches a resource method's path template followed
 * by an optional `/` (its PathPattern `(/)?`, JAX-RS 2 §3.7.3), so device code that builds its
 * URL with a trailing slash works there; two slashes are a 404 there and here.
 */
import { ErrorCodes, IngestError, NOT_FOUND_MESSAGE, sharedTopic, topicNotFound, unavailable } from "./ingest-error.ts";
import type { IngestExchange } from "./ingest-exchange.ts";
import type { IngestHandlerDeps, Pipeline } from "./ingest-pipeline-contract.ts";
import type { IngestRecord } from "./ingest-record.ts";
import { javaIntPathParam } from "./java-int-param.ts";
import { mediaType } from "./native-body.ts";
import type { IngestShape, IngestTarget } from "./request-context.ts";
import { admitBeforeRouting } from "./rest-proxy-gate.ts";
import {
  highestNamedPartition,
  parseV2Body,
  unsupportedMediaType,
  v2Format,
  v2Response,
  v2ResponseType,
} from "./rest-proxy-v2.ts";
import {
  failedItem,
  parseV3Batch,
  parseV3Records,
  type V3Item,
  type V3Parsed,
  v3BatchResponse,
  v3RecordsResponse,
} from "./rest-proxy-v3.ts";
import { RecordError } from "./rest-proxy-v3-fields.ts";
import type { IngestRoute } from "./route-table.ts";
import { ownerNotServing } from "./topic-owner.ts";
import { isStreamed, type StreamPipeline } from "./v3-record-stream.ts";

export interface RestProxyRoute {
  readonly method: "POST";
  readonly path: string;
  readonly shape: IngestShape;
  handle(context: IngestExchange, params: Record<string, string>): Promise<Response>;
}

export const V2_TOPIC_PATH = "/topics/:topic";
export const V2_PARTITION_PATH = "/topics/:topic/partitions/:partition";
export const V3_RECORDS_PATH = "/v3/clusters/:cluster_id/topics/:topic/:action{records}";
export const V3_BATCH_PATH = "/v3/clusters/:cluster_id/topics/:topic/:action{records:batch}";

function partitionNotFound(): IngestError {
  return new IngestError(404, ErrorCodes.PARTITION_NOT_FOUND, "Partition not found.");
}

/**
 * What REST Proxy answers for a partition a topic of `count` partitions lacks: 40401 "Topic not
 * found." when the topic does not exist (count 0), else 40402 "Partition not found.".
 */
function missingPartition(count: number): IngestError {
  return count === 0 ? topicNotFound() : partitionNotFound();
}

/**
 * `parsed` with each record that names a partition at or over `count` failed on its own (404,
 * 40401 or 40402), and the others renumbered.
 */
function withKnownPartitions(parsed: V3Parsed, count: number): V3Parsed {
  const missing = missingPartition(count);
  const records: IngestRecord[] = [];
  const items = parsed.items.map((item): V3Item => {
    if (!item.ok) return item;
    const record = parsed.records[item.index]!;
    if (record.partition !== null && record.partition >= count)
      return failedItem(item.id, new RecordError(missing.message, 404, missing.errorCode));
    records.push(record);
    return { ...item, index: records.length - 1 };
  });
  return { records, items };
}

export function restProxyRoutes(deps: IngestHandlerDeps, pipeline: Pipeline, stream: StreamPipeline): RestProxyRoute[] {
  /**
   * The partition count of `topic` for a request naming partitions up to `highest` (one that says
   * `highest` does not exist was looked up after the request arrived: partition-counts.ts); when
   * Kafka cannot be asked and no count known has `highest` (an outage), 503 with Retry-After:
   * nothing is written, and a device retries rather than take a 404 as final or send a partition
   * the topic may lack (the producer would refuse it only after the request was acknowledged, in
   * spool mode).
   */
  const partitionCount = async (route: IngestRoute, topic: string, highest: number): Promise<number | undefined> => {
    if (!deps.partitions) return undefined;
    // Partition 0 of a topic its connector creates needs no look-up: the topic has it, or the task
    // creates it with the connector's partitions and configs before writing. A look-up would have
    // the brokers create it first, with their defaults, and the connector's creation would find it
    // there (review-p3ingest P1-1).
    if (highest === 0 && deps.createsTopics?.(route.connector)) return undefined;
    const count = await deps.partitions(topic, highest);
    if (count === null)
      throw unavailable(
        `The partitions of ${topic} cannot be checked while Kafka is unreachable; retry later`,
        route.settings.limits.retryAfterSeconds,
      );
    return count;
  };
  const checkPartitions = async (route: IngestRoute, topic: string, records: readonly IngestRecord[]) => {
    const highest = highestNamedPartition(records);
    if (highest === null) return;
    const count = await partitionCount(route, topic, highest);
    if (count !== undefined && highest >= count) throw missingPartition(count);
  };

  const routeFor = (topic: string, shape: IngestShape) => {
    const route = deps.routes.byTopic(topic);
    if (!route)
      throw (
        ownerNotServing(topic, deps.routes.owners(topic), (connector) =>
          deps.routes.routes().some((r) => r.connector === connector && r.state === "open"),
        ) ??
        sharedTopic(topic, deps.routes.claimants(topic)) ??
        topicNotFound()
      );
    const target: IngestTarget = { connector: route.connector, path: route.settings.path, topic, shape };
    return { route, target };
  };

  const v2: RestProxyRoute["handle"] = async (context, params) => {
    const topic = params.topic!;
    // REST Proxy authenticates before its resource runs: nothing of the path is answered before.
    const admitting = admitBeforeRouting(deps.routes, context, topic, deps.log);
    if (admitting) await admitting;
    // Jersey picks the resource method by Content-Type first: one no method consumes is 415 before
    // anything of the path is looked at (an unknown topic or partition, a partition that is no int).
    const format = v2Format(context.request.headers.get("content-type"));
    // Then it converts the path's partition (an int) before the resource runs: text that is no int
    // is its plain 404, whatever the topic. A negative int is a partition no topic has: 40402, where
    // REST Proxy fails the request in its producer (an IllegalArgumentException, a 500 a device
    // would retry for ever; a 404 says at once that the request cannot succeed).
    const pathPartition = params.partition === undefined ? null : javaIntPathParam(params.partition);
    if (pathPartition === undefined) throw new IngestError(404, 404, NOT_FOUND_MESSAGE);
    const { route, target } = routeFor(topic, "v2");
    if (pathPartition !== null && pathPartition < 0) throw partitionNotFound();
    const responseType = v2ResponseType(context.request.headers.get("accept"));
    return pipeline(context, route, target, {
      parse: async (body) => {
        const records = parseV2Body(
          route.settings,
          context.request,
          body,
          context.receivedAt,
          format,
          pathPartition,
          context.stampedBytes,
        );
        await checkPartitions(route, topic, records);
        return { records, respond: (outcomes) => v2Response(outcomes, responseType) };
      },
    });
  };

  const v3: RestProxyRoute["handle"] = async (context, params) => {
    const topic = params.topic!;
    const batch = params.action === "records:batch";
    const admitting = admitBeforeRouting(deps.routes, context, topic, deps.log);
    if (admitting) await admitting;
    // A Content-Type the resource does not consume is 415 before the topic is looked up (Jersey, as v2).
    if (mediaType(context.request.headers.get("content-type")) !== "application/json") throw unsupportedMediaType();
    const { route, target } = routeFor(topic, batch ? "v3-batch" : "v3");
    const reportContext = { clusterId: params.cluster_id!, topic };
    // Each record naming a partition the topic lacks fails alone (its own report), as REST Proxy.
    const known = async (read: V3Parsed) => {
      const highest = highestNamedPartition(read.records);
      const count = highest === null ? undefined : await partitionCount(route, topic, highest);
      return count === undefined ? read : withKnownPartitions(read, count);
    };
    const streaming = (context.request.headers.get("transfer-encoding") ?? "").toLowerCase().includes("chunked");
    // Streaming mode streams (v3-record-stream.ts), but for a request whose answer an Idempotency-Key keeps.
    if (streaming && !batch && isStreamed(context.request, route, deps.idempotency !== undefined))
      return stream(context, route, target, reportContext, known);
    return pipeline(context, route, target, {
      parse: async (body) => {
        const read = batch
          ? parseV3Batch(route.settings, context.request, body, context.receivedAt, context.stampedBytes)
          : parseV3Records(route.settings, context.request, body, context.receivedAt, context.stampedBytes);
        const parsed = await known(read);
        return {
          records: parsed.records,
          respond: (outcomes) =>
            batch
              ? v3BatchResponse(reportContext, parsed, outcomes)
              : v3RecordsResponse(reportContext, parsed, outcomes, streaming),
        };
      },
    });
  };

  return [
    { method: "POST", path: V2_TOPIC_PATH, shape: "v2", handle: v2 },
    { method: "POST", path: V2_PARTITION_PATH, shape: "v2", handle: v2 },
    { method: "POST", path: V3_RECORDS_PATH, shape: "v3", handle: v3 },
    { method: "POST", path: V3_BATCH_PATH, shape: "v3-batch", handle: v3 },
  ];
}
