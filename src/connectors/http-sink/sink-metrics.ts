/**
 * The HTTP sink task's own metrics (on `/metrics` with its `connector` and `task` labels):
 * requests by status class, records delivered and sent to errors.tolerance (DLQ), records per
 * request, request latency and requests in flight. Never labels with URLs or headers.
 */
import { PluginMetrics } from "../../metrics/plugin-metrics.ts";

const BATCH_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class SinkMetrics {
  readonly requests;
  readonly recordsSent;
  readonly recordsFailed;
  readonly batchSize;
  readonly latency;
  readonly inFlight;

  constructor(registry: PluginMetrics = new PluginMetrics()) {
    this.requests = registry.counter(
      "http_sink_requests_total",
      "HTTP requests sent by the sink (each attempt), by status class (1xx-5xx, or error when no response came).",
    );
    this.recordsSent = registry.counter(
      "http_sink_records_sent_total",
      "Records the endpoint accepted (a status that is not an error).",
    );
    this.recordsFailed = registry.counter(
      "http_sink_records_dlq_total",
      "Records the endpoint rejected for good that errors.tolerance took (skipped, dead letter queue, log); not those a task failed on.",
    );
    this.batchSize = registry.histogram("http_sink_batch_size", "Records per HTTP request.", BATCH_BUCKETS);
    this.latency = registry.histogram(
      "http_sink_request_duration_seconds",
      "Duration of one HTTP request (one attempt), in seconds.",
      LATENCY_BUCKETS,
    );
    this.inFlight = registry.gauge("http_sink_requests_in_flight", "HTTP requests in flight, retries included.");
    // On /metrics at 0 from the start: an increase() over a series that appears at 1 misses that record.
    this.recordsSent.inc({}, 0);
    this.recordsFailed.inc({}, 0);
  }

  static statusClass(status: number | undefined): string {
    return status === undefined ? "error" : `${Math.floor(status / 100)}xx`;
  }
}
