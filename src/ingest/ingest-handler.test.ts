import { describe, expect, test } from "bun:test";
import { LogManager } from "../util/logger.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { ingestApp } from "./ingest-handler.ts";
import { IngestMetrics } from "./ingest-metrics.ts";
import type { IngestRouteTable } from "./route-table.ts";

/** Records the latency sample of each finished request. */
class RecordingMetrics extends IngestMetrics {
  readonly samples: { route: string; status: number; seconds: number }[] = [];
  override finished(route: string, status: number, seconds: number, records: number, bytes: number): void {
    this.samples.push({ route, status, seconds });
    super.finished(route, status, seconds, records, bytes);
  }
}

describe("ingest request latency", () => {
  /**
   * A REST Proxy request for a topic no route serves; looking the topic up takes 250 ms on the
   * monotonic clock, during which NTP steps the wall clock by `stepMs`.
   */
  async function latencyWithWallStep(stepMs: number): Promise<{ seconds: number; status: number }> {
    const clock = new ManualClock(1_700_000_000_000);
    const metrics = new RecordingMetrics();
    const routes = {
      byTopic: () => {
        clock.advance(250);
        clock.stepWallClock(stepMs);
        return undefined;
      },
      byPath: () => undefined,
    } as unknown as IngestRouteTable;
    const app = ingestApp({ routes, metrics, clock, log: new LogManager().get("ingest"), redact: (t) => t });
    const response = await app.fetch(
      new Request("http://127.0.0.1/topics/unknown", {
        method: "POST",
        headers: { "Content-Type": "application/vnd.kafka.json.v2+json" },
        body: JSON.stringify({ records: [{ value: 1 }] }),
      }),
      {},
    );
    expect(metrics.samples).toHaveLength(1);
    return { seconds: metrics.samples[0]!.seconds, status: response.status };
  }

  test("a wall clock stepped back during the request does not give a negative sample", async () => {
    const { seconds, status } = await latencyWithWallStep(-3_600_000);
    expect(status).toBe(404);
    expect(seconds).toBeCloseTo(0.25, 6);
  });

  test("a wall clock stepped forward during the request does not give a huge sample", async () => {
    const { seconds } = await latencyWithWallStep(86_400_000);
    expect(seconds).toBeCloseTo(0.25, 6);
  });
});
