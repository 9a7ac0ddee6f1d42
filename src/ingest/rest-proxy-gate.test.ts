/** The REST Proxy authentication gate: off (no promise, nothing asked) unless every serving connector authenticates. */
import { describe, expect, test } from "bun:test";
import { IngestError } from "./ingest-error.ts";
import { IngestExchange } from "./ingest-exchange.ts";
import { type IngestStages, passThroughStages } from "./request-context.ts";
import { admitBeforeRouting } from "./rest-proxy-gate.ts";
import { IngestRouteTable } from "./route-table.ts";
import { post, testSettings } from "./test-support.ts";

const exchange = () => new IngestExchange(post("{}", "application/json"), undefined, undefined, 0, 0);

/** Stages that refuse every request (401), counting the attempts. */
function refusing(): IngestStages & { calls: number } {
  const stages = {
    ...passThroughStages,
    authenticates: true,
    calls: 0,
    authenticate: () => {
      stages.calls++;
      throw new IngestError(401, 40101, "Authentication required");
    },
  };
  return stages;
}

describe("admitBeforeRouting", () => {
  test("a connector without authentication turns the gate off: no promise, no stage asked", () => {
    const table = new IngestRouteTable();
    const gated = refusing();
    table.open("a", testSettings({ "ingest.path": "/ingest/a", "kafka.topic": "ta" }), gated);
    table.open("b", testSettings({ "ingest.path": "/ingest/b", "kafka.topic": "tb" }), passThroughStages);
    expect(admitBeforeRouting(table, exchange(), "ta")).toBeUndefined();
    expect(gated.calls).toBe(0);
  });

  test("every connector authenticating: each is asked once, the refusal is a 401", async () => {
    const table = new IngestRouteTable();
    const [a, b] = [refusing(), refusing()];
    table.open("a", testSettings({ "ingest.path": "/ingest/a", "kafka.topic": "ta" }), a);
    table.open("b", testSettings({ "ingest.path": "/ingest/b", "kafka.topic": "tb" }), b);
    const refused = await Promise.resolve(admitBeforeRouting(table, exchange(), "tb")).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(IngestError);
    expect((refused as IngestError).status).toBe(401);
    expect([a.calls, b.calls]).toEqual([1, 1]);
  });
});
