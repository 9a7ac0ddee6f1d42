import { describe, expect, test } from "bun:test";
import { tempDir } from "../../../test/support/temp-dir.ts";
import { SpoolStore } from "../../store/spool-store.ts";
import { SpoolMetrics } from "./spool-metrics.ts";

describe("SpoolMetrics", () => {
  test("gauges per connector, and a degraded trace once the oldest record waits 10 s", async () => {
    await using dir = await tempDir("spool-metrics-");
    let now = 1_000_000;
    const store = await SpoolStore.open(dir.path, { now: () => now });
    const metrics = new SpoolMetrics(() => now);
    const writer = { drained: 0, quarantined: 0 };
    metrics.attach("c1", writer, store);
    await store.append("c1", [new Uint8Array(100), new Uint8Array(50)]);
    expect(metrics.degradedTrace("c1")).toBeNull();
    now += 12_000;
    expect(metrics.degradedTrace("c1")).toBe(
      "Degraded: the ingest spool is backing up (Kafka unreachable or slower than the devices): 2 records, 150 bytes, oldest 12 s, drain rate 0.0 records/s over the last minute. Requests are still acknowledged from the spool.",
    );
    const families = Object.fromEntries(metrics.families().map((f) => [f.name, f.samples[0]?.value]));
    expect(families).toMatchObject({
      ingest_spool_records: 2,
      ingest_spool_bytes: 150,
      ingest_spool_oldest_age_seconds: 12,
    });
    writer.drained = 2;
    store.delete("c1", 1, 100);
    store.delete("c1", 2, 50);
    now += 1_000;
    expect(metrics.degradedTrace("c1")).toBeNull();
    expect(metrics.snapshot("c1")?.drainRate).toBeGreaterThan(0);
    await store.close();
  });

  test("records quarantined count across the connector's writers (P1.1)", async () => {
    await using dir = await tempDir("spool-metrics-");
    const store = await SpoolStore.open(dir.path);
    const metrics = new SpoolMetrics();
    const first = { drained: 0, quarantined: 2 };
    metrics.attach("c1", first, store);
    metrics.detach("c1", first);
    metrics.attach("c1", { drained: 0, quarantined: 1 }, store);
    const families = Object.fromEntries(metrics.families().map((f) => [f.name, f]));
    expect(families.ingest_spool_quarantined_total).toMatchObject({
      type: "counter",
      samples: [{ labels: { connector: "c1" }, value: 3 }],
    });
    await store.close();
  });
});
