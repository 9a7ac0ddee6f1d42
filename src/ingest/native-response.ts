/**
 * Responses on the connector's own path: where each record landed, in request order.
 *   200 `{"topic":"t","offsets":[{"partition":0,"offset":41,"timestamp":…}, …]}` when Kafka
 *   acknowledged every record (a record a transformation such as RegexRouter wrote to another topic
 *   than the route's names it first in its entry, `{"topic":"u","partition":0,…}`: its partition and
 *   offset are in that topic; a record a transform dropped shows `"dropped":true` and null
 *   partition/offset; a record in the spool of ingest.ack.mode=spool shows `"spooled":true`, its
 *   partition and offset are not known yet);
 *   otherwise 5xx with REST Proxy's error fields and the same per-record list, each failed record
 *   with `error_code` and `error`: 503 + Retry-After when nothing of the request reached Kafka, or
 *   Kafka refused it unwritten because the gateway's principal may not write the topic (an ACL: a
 *   retry is safe, and succeeds once an operator granted it), 500 when some of it was written or
 *   may still be (a retry would write that again: a request split across two polls, or timed out
 *   after part of it was acknowledged); when Kafka refused records for good on
 *   their own (`kafkaError`: an out-of-range timestamp, a null key on a compacted topic…) and none
 *   may still be written, 422 (413 when all were too large for the topic): sending them again
 *   cannot succeed. A record a transformation or converter failed on (errors.tolerance=none) is
 *   answered the same way, its `kafkaError` the Connect stage.
 */
import { ErrorCodes } from "./ingest-error.ts";
import type { RecordOutcome } from "./ingest-record.ts";

/** A record's `kafkaError` when a transformation or converter failed on it (RecordRejection.stage). */
const CONVERSION_STAGES: ReadonlySet<string> = new Set([
  "TRANSFORMATION",
  "KEY_CONVERTER",
  "VALUE_CONVERTER",
  "HEADER_CONVERTER",
]);

type Entry =
  | { topic?: string; partition: number; offset: number; timestamp: number | null }
  | { partition: null; offset: null; dropped: true }
  | { partition: null; offset: null; spooled: true }
  | { partition: null; offset: null; error_code: number; error: string };

/**
 * One init for every 200 answer. Its headers are a `Headers` (Bun copies it into each Response,
 * which then has headers of its own): a plain object would be turned into one per answer, ~0.1 µs
 * a request more in a bare `new Response` loop.
 */
const OK_INIT: ResponseInit = Object.freeze({
  status: 200,
  headers: new Headers({ "Content-Type": "application/json" }),
});

let lastTopic = "";
let lastTopicJson = '""';

/** The route's topic as a JSON string (requests in a row answer for one route's topic: the last one is kept). */
function topicJson(topic: string): string {
  if (topic !== lastTopic) {
    lastTopicJson = JSON.stringify(topic);
    lastTopic = topic;
    singleHeadTopic = null;
  }
  return lastTopicJson;
}

let lastTimestamp: number | null = null;
let lastTimestampJson = "null";

/**
 * A timestamp as JSON. The requests of one millisecond share their receive timestamp, and a
 * millisecond timestamp is past 2^31, where printing a number is slower than for small integers.
 */
function timestampJson(timestamp: number | null): string {
  if (timestamp !== lastTimestamp) {
    lastTimestampJson = timestamp === null ? "null" : String(timestamp);
    lastTimestamp = timestamp;
  }
  return lastTimestampJson;
}

/**
 * The one-record answer's parts around its offset, as UTF-8, for the last topic and partition
 * (`{"topic":…,"offsets":[{"partition":P,"offset":`) and the last timestamp
 * (`,"timestamp":T}]}`): requests in a row share them.
 */
let singleHead: Uint8Array = new Uint8Array(0);
let singleHeadTopic: string | null = null;
let singleHeadPartition = -1;
let singleTail: Uint8Array = new Uint8Array(0);
let singleTailTimestamp: number | null | undefined;

/** Digits of a non-negative safe integer in decimal. */
function digitCount(n: number): number {
  let count = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    count++;
  }
  return count;
}

const isIndex = (n: number): boolean => Number.isSafeInteger(n) && n >= 0;

/**
 * The 200 body of a one-record request Kafka wrote, as UTF-8 bytes written in place. A string made
 * of parts is a rope that the Response flattens and encodes: in a profile of single-record load the
 * answer text and its Response cost ~20 % of the listener's CPU, ~13 % with these bytes. Null when
 * a number is not a non-negative safe integer (the general path prints it as JSON.stringify does).
 */
function singleWrittenBody(
  topic: string,
  partition: number,
  offset: number,
  timestamp: number | null,
): Uint8Array | null {
  if (!isIndex(partition) || !isIndex(offset) || (timestamp !== null && !isIndex(timestamp))) return null;
  if (singleHeadTopic !== topic || singleHeadPartition !== partition) {
    singleHead = Buffer.from(`{"topic":${topicJson(topic)},"offsets":[{"partition":${partition},"offset":`);
    singleHeadTopic = topic;
    singleHeadPartition = partition;
  }
  if (singleTailTimestamp !== timestamp) {
    singleTail = Buffer.from(`,"timestamp":${timestampJson(timestamp)}}]}`);
    singleTailTimestamp = timestamp;
  }
  const head = singleHead;
  const tail = singleTail;
  const offsetEnd = head.length + digitCount(offset);
  const out = new Uint8Array(offsetEnd + tail.length);
  out.set(head, 0);
  let n = offset;
  let at = offsetEnd;
  do {
    const q = Math.floor(n / 10);
    // 48 + (n - q * 10), not 48 + n - q * 10: past 2^53 - 48 the sum would round.
    out[--at] = 48 + (n - q * 10);
    n = q;
  } while (n > 0);
  out.set(tail, offsetEnd);
  return out;
}

/**
 * The 200 body, written out: byte for byte what JSON.stringify makes of `{topic, offsets}` (numbers
 * print alike in both), at a fraction of its cost per single-record request. Null when a record failed.
 */
function acknowledgedBody(topic: string, outcomes: readonly RecordOutcome[]): string | Uint8Array | null {
  const topicText = topicJson(topic);
  if (outcomes.length === 1) {
    const o = outcomes[0]!;
    if (o.kind === "written" && o.topic === topic) {
      const single = singleWrittenBody(topic, o.partition, o.offset, o.timestamp);
      if (single !== null) return single;
    }
  }
  let body = `{"topic":${topicText},"offsets":[`;
  for (let i = 0; i < outcomes.length; i++) {
    const o = outcomes[i]!;
    if (i > 0) body += ",";
    if (o.kind === "written")
      body += `{${o.topic === topic ? "" : `"topic":${JSON.stringify(o.topic)},`}"partition":${o.partition},"offset":${o.offset},"timestamp":${timestampJson(o.timestamp)}}`;
    else if (o.kind === "dropped") body += '{"partition":null,"offset":null,"dropped":true}';
    else if (o.kind === "spooled") body += '{"partition":null,"offset":null,"spooled":true}';
    else return null;
  }
  return `${body}]}`;
}

export function nativeResponse(topic: string, outcomes: readonly RecordOutcome[], retryAfterSeconds: number): Response {
  const acknowledged = acknowledgedBody(topic, outcomes);
  if (acknowledged !== null) return new Response(acknowledged, OK_INIT);
  const offsets: Entry[] = new Array(outcomes.length);
  let failed = 0;
  let maybeWritten = false;
  /** A record of the request was written (or spooled): sending the request again writes it twice. */
  let partlyWritten = false;
  let firstError = "";
  let rejected = 0;
  let tooLarge = 0;
  let unconverted = 0;
  for (let i = 0; i < outcomes.length; i++) {
    const o = outcomes[i]!;
    if (o.kind === "written") {
      offsets[i] =
        o.topic === topic
          ? { partition: o.partition, offset: o.offset, timestamp: o.timestamp }
          : { topic: o.topic, partition: o.partition, offset: o.offset, timestamp: o.timestamp };
      partlyWritten = true;
    } else if (o.kind === "dropped") offsets[i] = { partition: null, offset: null, dropped: true };
    else if (o.kind === "spooled") {
      offsets[i] = { partition: null, offset: null, spooled: true };
      partlyWritten = true;
    } else {
      failed++;
      maybeWritten ||= o.maybeWritten;
      if (firstError === "") firstError = o.message;
      if (o.kafkaError !== undefined) {
        rejected++;
        if (o.kafkaError === "MESSAGE_TOO_LARGE" || o.kafkaError === "RECORD_LIST_TOO_LARGE") tooLarge++;
        else if (CONVERSION_STAGES.has(o.kafkaError)) unconverted++;
      }
      offsets[i] = {
        partition: null,
        offset: null,
        error_code: o.retriable ? ErrorCodes.KAFKA_RETRIABLE_ERROR : ErrorCodes.KAFKA_ERROR,
        error: o.message,
      };
    }
  }
  // 422/413 says sending again cannot help: only when every failed record was refused for good.
  if (rejected > 0 && rejected === failed && !maybeWritten)
    return refusedResponse(topic, offsets, failed, outcomes.length, tooLarge === rejected, unconverted === rejected);
  // 503 + Retry-After promises that a retry is safe: only when nothing of the request reached Kafka.
  const unsafe = maybeWritten || partlyWritten;
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (!unsafe) headers["Retry-After"] = String(retryAfterSeconds);
  const fate = maybeWritten
    ? " (some may still be written)"
    : partlyWritten
      ? " (the others were written: sending the request again writes them again)"
      : " (none of them was written)";
  const body = {
    error_code: unsafe ? ErrorCodes.KAFKA_ERROR : ErrorCodes.KAFKA_RETRIABLE_ERROR,
    message: `${failed} of ${outcomes.length} records were not acknowledged by Kafka${fate}: ${firstError}`,
    topic,
    offsets,
  };
  return new Response(JSON.stringify(body), { status: unsafe ? 500 : 503, headers });
}

/** Kafka refused records for good (none may still be written): 422, or 413 when all were too large. */
function refusedResponse(
  topic: string,
  offsets: readonly Entry[],
  failed: number,
  total: number,
  tooLarge: boolean,
  unconverted: boolean,
): Response {
  const first = offsets.find((e) => "error" in e) as { error: string } | undefined;
  const body = {
    error_code: tooLarge ? ErrorCodes.PAYLOAD_TOO_LARGE : ErrorCodes.INVALID_PAYLOAD,
    message: `${failed} of ${total} records were not written: ${unconverted ? "a transformation or converter failed on them" : "Kafka refused them"} (sending them again will not help): ${first?.error ?? ""}`,
    topic,
    offsets,
  };
  return new Response(JSON.stringify(body), {
    status: tooLarge ? 413 : 422,
    headers: { "Content-Type": "application/json" },
  });
}
