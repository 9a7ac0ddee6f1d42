/**
 * HttpIngestSourceConnector's validation of its queue limits against its request limits (review
 * P3: a request larger than ingest.queue.max.bytes was taken only while the queue was empty, and
 * nothing told the operator who configured it so).
 */
import { describe, expect, spyOn, test } from "bun:test";
import { passThroughStages } from "../../ingest/request-context.ts";
import { IngestRouteTable } from "../../ingest/route-table.ts";
import { Logger } from "../../util/logger.ts";
import { HttpIngestSourceConnector, validateHttpIngest } from "./connector.ts";

const base = { "ingest.path": "/p", "kafka.topic": "t" };

describe("validateHttpIngest: the largest request fits the queue", () => {
  test("the defaults pass", () => {
    expect(validateHttpIngest(base)).toEqual([]);
    expect(validateHttpIngest({ ...base, "ingest.ack.mode": "spool" })).toEqual([]);
  });

  test("limits equal to the request's pass", () => {
    expect(
      validateHttpIngest({
        ...base,
        "ingest.max.body.bytes": "5000",
        "ingest.queue.max.bytes": "5000",
        "ingest.max.records": "10",
        "ingest.queue.max.records": "10",
      }),
    ).toEqual([]);
  });

  test("ingest.queue.max.bytes below ingest.max.body.bytes and ingest.queue.max.records below ingest.max.records are refused on their keys", () => {
    expect(
      validateHttpIngest({
        ...base,
        "ingest.queue.max.bytes": "1000",
        "ingest.queue.max.records": "50",
        "ingest.max.records": "100",
      }),
    ).toEqual([
      {
        key: "ingest.queue.max.bytes",
        message:
          "ingest.queue.max.bytes (1000) is smaller than ingest.max.body.bytes (1048576): a request of up to ingest.max.body.bytes would be taken only while the connector holds nothing; set ingest.queue.max.bytes to at least 1048576, or lower ingest.max.body.bytes",
      },
      {
        key: "ingest.queue.max.records",
        message:
          "ingest.queue.max.records (50) is smaller than ingest.max.records (100): a request of ingest.max.records records would be taken only while the connector holds nothing; set ingest.queue.max.records to at least 100, or lower ingest.max.records",
      },
    ]);
  });

  test("spooled, ingest.spool.max.bytes is the limit (the queue keys do not apply)", () => {
    expect(
      validateHttpIngest({
        ...base,
        "ingest.ack.mode": "spool",
        "ingest.queue.max.bytes": "1000",
        "ingest.spool.max.bytes": "2000",
        "ingest.max.body.bytes": "4000",
      }),
    ).toEqual([
      {
        key: "ingest.spool.max.bytes",
        message:
          "ingest.spool.max.bytes (2000) is smaller than ingest.max.body.bytes (4000): a request of up to ingest.max.body.bytes would be taken only while the connector holds nothing; set ingest.spool.max.bytes to at least 4000, or lower ingest.max.body.bytes",
      },
    ]);
  });
});

describe("a stored config that breaks the rule (stored before it existed)", () => {
  test("starts, with a WARN per key: failing it would stop a working route on upgrade", async () => {
    const warn = spyOn(Logger.prototype, "warn");
    try {
      const routes = new IngestRouteTable();
      const connector = new HttpIngestSourceConnector({ routes, stages: async () => passThroughStages });
      await connector.start({ ...base, name: "old", "ingest.queue.max.records": "50", "ingest.max.records": "100" });
      expect(routes.routes().map((r) => [r.connector, r.state])).toEqual([["old", "open"]]);
      const lines = warn.mock.calls.map((c) => String(c[0]));
      expect(lines).toEqual([
        expect.stringContaining(
          "Connector old: ingest.queue.max.records (50) is smaller than ingest.max.records (100)",
        ),
      ]);
    } finally {
      warn.mockRestore();
    }
  });
});
