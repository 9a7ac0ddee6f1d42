import { describe, expect, test } from "bun:test";
import { LogManager } from "../util/logger.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { failedAnswer, IngestError } from "./ingest-error.ts";

function handlerDeps() {
  const lines: string[] = [];
  const logs = new LogManager({ sink: (line) => lines.push(line) });
  const clock = new ManualClock(1_700_000_000_000);
  return { lines, clock, deps: { log: logs.get("ingest"), redact: (t: string) => logs.redact(t), clock } };
}

function overflow(): Error {
  const error = new RangeError("Maximum call stack size exceeded.");
  error.stack = "RangeError: Maximum call stack size exceeded.\n    at schemaless (json-text.ts:87:3)";
  return error;
}

describe("failedAnswer (P3.13)", () => {
  test("a failure of the gateway's own is a generic 500: none of its text reaches the client", async () => {
    const { deps, lines } = handlerDeps();
    const response = failedAnswer(deps, "/topics/{topic}", overflow());
    expect({ status: response.status, body: await response.json() }).toEqual({
      status: 500,
      body: { error_code: 500, message: "Internal Server Error" },
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(
      "ERROR Ingest request on /topics/{topic} failed; this error is logged once every 60 s\nRangeError: Maximum call stack size exceeded.\n    at schemaless",
    );
  });

  test("each kind of error is logged with its stack once a minute, then with the count of those not logged", () => {
    const { deps, lines, clock } = handlerDeps();
    for (let i = 0; i < 50; i++) failedAnswer(deps, "/ingest/a", overflow());
    failedAnswer(deps, "/ingest/a", new TypeError("x is undefined")); // another kind: its own line
    expect(lines).toHaveLength(2);
    clock.advance(59_999);
    failedAnswer(deps, "/ingest/a", overflow());
    expect(lines).toHaveLength(2);
    clock.advance(1);
    failedAnswer(deps, "/ingest/a", overflow());
    expect(lines).toHaveLength(3);
    expect(lines[2]).toContain(
      "Ingest request on /ingest/a failed (and 50 more like it in the last 60 s, not logged); this error is logged once every 60 s\nRangeError",
    );
  });

  test("a request the listener refuses keeps its own status and message, and is not logged", async () => {
    const { deps, lines } = handlerDeps();
    const response = failedAnswer(deps, "/ingest/a", new IngestError(422, 42206, "bad record"));
    expect({ status: response.status, body: await response.json() }).toEqual({
      status: 422,
      body: { error_code: 42206, message: "bad record" },
    });
    expect(lines).toEqual([]);
  });
});
