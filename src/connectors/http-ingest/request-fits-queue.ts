/**
 * HttpIngestSourceConnector's rule across its limit keys, a validation-only rule (the descriptor's
 * `validationOnly`: refused by validation, a WARN when a config stored before it starts): the
 * largest request the route accepts must fit what the connector holds for it. A request larger than
 * `ingest.queue.max.bytes` (records awaiting Kafka), more records than `ingest.queue.max.records`,
 * or, spooled, larger than `ingest.spool.max.bytes`, is taken only while nothing is held (so it is
 * never refused for good): with such limits every large request waits for an empty queue, and a
 * steady stream of small ones can keep it out indefinitely. The worker's
 * `ingest.spool.total.max.bytes` is not a connector key, so validation cannot see it: the spool
 * writer lets a request to an empty spool through it the same way, and warns at start
 * (`spoolTotalWarning`).
 *
 * The rule makes room for the body, not for the header values its records each repeat, which count
 * in the records' size too (IngestRecord.bytes): up to as much again as the body (more is 413),
 * plus the stamped identity in each record. Requiring twice the body would refuse configs that
 * bound the queue to one body on purpose (and would still not bound the identity, which the
 * config cannot size), so such a request waits for an empty queue like any other over the limit,
 * as the key's documentation says (bodyfair).
 */
import type { ConfigProblem } from "../../plugin/descriptor.ts";
import type { HttpIngestConfig } from "./config.ts";

export function requestFitsQueueProblems(parsed: HttpIngestConfig): ConfigProblem[] {
  const body = parsed["ingest.max.body.bytes"];
  const records = parsed["ingest.max.records"];
  const problems: ConfigProblem[] = [];
  const tooSmall = (key: string, limit: number, what: string, largest: string, value: number) =>
    problems.push({
      key,
      message: `${key} (${limit}) is smaller than ${largest} (${value}): a request of ${what} would be taken only while the connector holds nothing; set ${key} to at least ${value}, or lower ${largest}`,
    });
  if (parsed["ingest.ack.mode"] === "spool") {
    const spool = parsed["ingest.spool.max.bytes"];
    if (spool < body)
      tooSmall("ingest.spool.max.bytes", spool, "up to ingest.max.body.bytes", "ingest.max.body.bytes", body);
    return problems;
  }
  const queueBytes = parsed["ingest.queue.max.bytes"];
  if (queueBytes < body)
    tooSmall("ingest.queue.max.bytes", queueBytes, "up to ingest.max.body.bytes", "ingest.max.body.bytes", body);
  const queueRecords = parsed["ingest.queue.max.records"];
  if (queueRecords < records)
    tooSmall("ingest.queue.max.records", queueRecords, "ingest.max.records records", "ingest.max.records", records);
  return problems;
}

/** The WARN a spooled connector's task gives at start when the worker's spool cap is below its largest request. */
export function spoolTotalWarning(connector: string, totalMax: number | null, maxRequestBytes: number | undefined) {
  if (totalMax === null || maxRequestBytes === undefined || totalMax >= maxRequestBytes) return undefined;
  return `Connector ${connector}: the worker's ingest.spool.total.max.bytes (${totalMax}) is smaller than its ingest.max.body.bytes (${maxRequestBytes}): a request larger than the worker's cap is taken only while the connector's spool holds nothing; raise ingest.spool.total.max.bytes or lower ingest.max.body.bytes`;
}
