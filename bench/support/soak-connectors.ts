/**
 * The connectors bench/soak.ts creates and deletes per churn cycle: FileStreamSource,
 * FileStreamSink, HttpIngestSource (ack mode kafka and spool), HttpSource against a failing or refusing API, HttpSink against
 * a 500, a refused and a never-answering endpoint (in turn by cycle).
 */
import { join } from "node:path";

export interface ChurnContext {
  /** This run's prefix of connector names. */
  readonly run: string;
  /** The soak's directory: files/in.txt is the FileStreamSource input. */
  readonly dir: string;
  readonly topic: string;
  /** The stand-in external API (/page, /fail, /hang). */
  readonly apiUrl: string;
  /** A URL whose port refuses connections. */
  readonly refusedUrl: string;
}

/** Cycle `i`'s connectors, one of each kind, by name. */
export function churnConnectors(i: number, c: ChurnContext): Record<string, Record<string, string>> {
  const { run, dir, topic, apiUrl, refusedUrl } = c;
  const base = { "tasks.max": "1" };
  return {
    [`${run}-fsrc-${i}`]: {
      ...base,
      "connector.class": "FileStreamSource",
      file: join(dir, "files", "in.txt"),
      topic,
    },
    [`${run}-fsink-${i}`]: {
      ...base,
      "connector.class": "FileStreamSink",
      file: join(dir, "files", `out-${i % 3}.txt`),
      topics: topic,
    },
    [`${run}-ing-${i}`]: {
      ...base,
      "connector.class": "io.edgegateway.connect.http.HttpIngestSourceConnector",
      "ingest.path": `/churn/${i}`,
      "kafka.topic": topic,
    },
    [`${run}-spool-${i}`]: {
      ...base,
      "connector.class": "io.edgegateway.connect.http.HttpIngestSourceConnector",
      "ingest.path": `/churn-spool/${i}`,
      "ingest.ack.mode": "spool",
      "kafka.topic": topic,
    },
    [`${run}-hsrc-${i}`]: {
      ...base,
      "connector.class": "io.confluent.connect.http.HttpSourceConnector",
      "http.url": i % 2 === 0 ? `${apiUrl}/page` : refusedUrl,
      "http.timer.interval.ms": "200",
      "kafka.topic": topic,
    },
    [`${run}-hsink-${i}`]: {
      ...base,
      "connector.class": "io.edgegateway.connect.http.HttpSinkConnector",
      url: [`${apiUrl}/fail`, refusedUrl, `${apiUrl}/hang`][i % 3]!,
      "sink.request.timeout": "1",
      "sink.retry.backoff.initial.ms": "50",
      "sink.flush-buffer.timeout": "100",
      topics: topic,
    },
  };
}
