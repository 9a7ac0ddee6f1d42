/**
 * A request whose client left before its answer (a hang-up, a half-close or a pipelined request on
 * the plain listener): its records sent to Kafka then are "may still be written" at the request's
 * end. The WARN that counts such requests tells how many records Kafka took once they settled
 * (IngestSubmission.late), not 0 for a record Kafka acknowledged a moment later (auditingestfaults P2-1).
 */
import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import { LogManager } from "../util/logger.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { ErrorCodes, IngestError } from "./ingest-error.ts";
import { ingestApp } from "./ingest-handler.ts";
import { IngestMetrics } from "./ingest-metrics.ts";
import type { LateOutcomes, RecordOutcome } from "./ingest-record.ts";
import { type IngestStages, passThroughStages } from "./request-context.ts";
import { IngestRouteTable } from "./route-table.ts";
import { testSettings } from "./test-support.ts";

const maybe: RecordOutcome = { kind: "failed", message: "client gone", retriable: true, maybeWritten: true };
const withdrawn: RecordOutcome = { kind: "failed", message: "client gone", retriable: true, maybeWritten: false };
const written = (offset: number): RecordOutcome => ({
  kind: "written",
  topic: "t",
  partition: 0,
  offset,
  timestamp: 1,
});

/** Route `/ingest/t` whose writer sees the client leave, then answers `outcomes` and hands back the late receiver. */
function gateway(
  outcomes: RecordOutcome[],
  stages: (client: AbortController) => IngestStages = () => passThroughStages,
) {
  const routes = new IngestRouteTable();
  const client = new AbortController();
  routes.open("c", testSettings(), stages(client));
  const late = Promise.withResolvers<LateOutcomes | undefined>();
  let submitted = 0;
  routes.attach("c", {
    pending: 0,
    submit: async (submission) => {
      submitted++;
      client.abort();
      late.resolve(submission.late);
      return outcomes;
    },
    withdrawQueued: () => undefined,
  });
  const lines: string[] = [];
  const logs = new LogManager({ sink: (line) => lines.push(line) });
  const metrics = new IngestMetrics();
  const app = ingestApp({
    routes,
    metrics,
    clock: new ManualClock(1_700_000_000_000),
    log: logs.get("ingest"),
    redact: (t) => t,
  });
  const send = () =>
    app.fetch(
      new Request("http://gateway/ingest/t", {
        method: "POST",
        body: "[1,2,3]",
        headers: { "Content-Type": "application/json" },
        signal: client.signal,
      }),
      {},
    );
  const warnings = () => lines.filter((l) => l.includes("closed its connection before its answer"));
  return { send, late: late.promise, warnings, metrics, app, submitted: () => submitted };
}

describe("a request whose client left before its answer", () => {
  test("records sent then and acknowledged later: the WARN counts them written once Kafka settled them", async () => {
    const g = gateway([written(0), maybe, withdrawn]);
    await g.send();
    const late = await g.late;
    expect(late).toBeDefined();
    // Not logged while Kafka has not answered: it would say 1 of 3 where Kafka takes 2.
    expect(g.warnings()).toEqual([]);
    late!.settled([written(0), written(1), withdrawn]);
    await waitFor(() => g.warnings().length === 1, { what: "the unanswered WARN" });
    expect(g.warnings()[0]).toContain(
      "closed its connection before its answer: 2 of its 3 records were written, 1 not written, and it did not see the answer.",
    );
  });

  test("a record whose fate stays unknown (its task stopped) is said so", async () => {
    const g = gateway([maybe, written(0), written(1)]);
    await g.send();
    (await g.late)!.settled([maybe, written(0), written(1)]);
    await waitFor(() => g.warnings().length === 1, { what: "the unanswered WARN" });
    expect(g.warnings()[0]).toContain(
      "2 of its 3 records were written, 1 unknown (its task stopped before Kafka answered: may still be written), and it",
    );
  });

  test("every record written: the WARN says so", async () => {
    const g = gateway([written(0), maybe]);
    await g.send();
    (await g.late)!.settled([written(0), written(1)]);
    await waitFor(() => g.warnings().length === 1, { what: "the unanswered WARN" });
    expect(g.warnings()[0]).toContain(
      "before its answer: 2 of its 2 records were written, and it did not see the answer.",
    );
  });

  test("records the spool took (ingest.ack.mode=spool) are said spooled, not written", async () => {
    const g = gateway([
      { kind: "spooled", sequence: 1 },
      { kind: "spooled", sequence: 2 },
    ]);
    await g.send();
    await waitFor(() => g.warnings().length === 1, { what: "the unanswered WARN" });
    expect(g.warnings()[0]).toContain(
      "before its answer: 2 of its 2 records were spooled, and it did not see the answer.",
    );
  });

  test("with nothing left to settle the WARN comes at once", async () => {
    const g = gateway([written(0), withdrawn, withdrawn]);
    await g.send();
    await waitFor(() => g.warnings().length === 1, { what: "the unanswered WARN" });
    expect(g.warnings()[0]).toContain("1 of its 3 records were written, 2 not written, and it did not see the answer.");
  });

  test("a client that hung up before its body was read is counted unanswered, nothing submitted", async () => {
    const g = gateway([written(0)]);
    const client = new AbortController();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("[1,"));
        client.abort();
        controller.error(Object.assign(new Error("aborted"), { code: "ECONNRESET" }));
      },
    });
    await g.app.fetch(
      new Request("http://gateway/ingest/t", {
        method: "POST",
        body,
        headers: { "Content-Type": "application/json" },
        signal: client.signal,
      }),
      {},
    );
    expect(g.submitted()).toBe(0);
    expect(g.metrics.families().find((f) => f.name === "ingest_requests_unanswered_total")?.samples).toEqual([
      { labels: { connector: "c" }, value: 1 },
    ]);
  });

  test("a client that hung up while it was authenticated is counted unanswered, its refusal unseen", async () => {
    const g = gateway([written(0)], (client) => ({
      ...passThroughStages,
      authenticate: async () => {
        client.abort();
        throw new IngestError(401, ErrorCodes.UNAUTHORIZED, "Unauthorized");
      },
    }));
    expect((await g.send()).status).toBe(401);
    expect(g.submitted()).toBe(0);
    expect(g.metrics.families().find((f) => f.name === "ingest_requests_unanswered_total")?.samples).toEqual([
      { labels: { connector: "c" }, value: 1 },
    ]);
  });
});
