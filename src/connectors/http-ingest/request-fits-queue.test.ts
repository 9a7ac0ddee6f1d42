/**
 * HttpIngestSourceConnector's validation of its queue limits against its request limits (review
 * P3: a request larger than ingest.queue.max.bytes was taken only while the queue was empty, and
 * nothing told the operator who configured it so). A validation-only rule (the descriptor's
 * `validationOnly`): refused by validation, a WARN when the worker starts a stored config.
 */
import { describe, expect, spyOn, test } from "bun:test";
import { waitFor } from "../../../test/support/wait-for.ts";
import type { SourceConnectorContext } from "../../api/connector.ts";
import { passThroughStages } from "../../ingest/request-context.ts";
import { IngestRouteTable } from "../../ingest/route-table.ts";
import { PluginRegistry } from "../../plugin/registry.ts";
import { validateConnectorConfig } from "../../runtime/validate-connector-config.ts";
import { type ConnectorStatusListener, WorkerConnector } from "../../runtime/worker-connector.ts";
import { systemClock } from "../../util/clock.ts";
import { getLogger, Logger } from "../../util/logger.ts";
import { validateHttpIngest } from "./connector.ts";
import { httpIngestSource } from "./index.ts";

/** The problems validation finds (validateHttpIngest and the validation-only rule, as the descriptor declares them). */
const descriptor = httpIngestSource();
const validateHttpIngestLimits = (config: Record<string, string>) => [
  ...validateHttpIngest(config),
  ...(descriptor.validationOnly?.(config) ?? []),
];
const base = { "ingest.path": "/p", "kafka.topic": "t" };

describe("validation: the largest request fits the queue", () => {
  test("the defaults pass", () => {
    expect(validateHttpIngestLimits(base)).toEqual([]);
    expect(validateHttpIngestLimits({ ...base, "ingest.ack.mode": "spool" })).toEqual([]);
  });

  test("limits equal to the request's pass", () => {
    expect(
      validateHttpIngestLimits({
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
      validateHttpIngestLimits({
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
      validateHttpIngestLimits({
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

describe("the rule is validation-only", () => {
  test("create, PUT and PUT …/config/validate refuse it on the key, with Connect's message", () => {
    const { infos } = validateConnectorConfig(new PluginRegistry([descriptor]), {
      ...base,
      name: "c",
      "connector.class": "HttpIngestSource",
      "ingest.queue.max.bytes": "1000",
    });
    expect(infos.error_count).toBe(1);
    expect(infos.configs.find((c) => c.value?.name === "ingest.queue.max.bytes")?.value?.errors).toEqual([
      "ingest.queue.max.bytes (1000) is smaller than ingest.max.body.bytes (1048576): a request of up to ingest.max.body.bytes would be taken only while the connector holds nothing; set ingest.queue.max.bytes to at least 1048576, or lower ingest.max.body.bytes",
    ]);
  });

  test("a stored config that breaks it (stored before it existed) starts, with a WARN per key: failing it would stop a working route on upgrade", async () => {
    const warn = spyOn(Logger.prototype, "warn");
    try {
      const routes = new IngestRouteTable();
      const states: string[] = [];
      const listener: ConnectorStatusListener = {
        onStartup: () => states.push("RUNNING"),
        onPause: () => states.push("PAUSED"),
        onResume: () => states.push("RUNNING"),
        onStop: () => states.push("STOPPED"),
        onFailure: () => states.push("FAILED"),
      };
      const config = { ...base, name: "old", "ingest.queue.max.records": "50", "ingest.max.records": "100" };
      const wc = new WorkerConnector(
        "old",
        httpIngestSource({ routes, stages: async () => passThroughStages }),
        config,
        listener,
        { connectorName: "old" } as SourceConnectorContext,
        getLogger("org.apache.kafka.connect.runtime.Worker"),
        { clock: systemClock, startTimeoutMs: 10_000, stopTimeoutMs: 10_000, onStarted: () => {} },
      );
      await wc.transitionTo("STARTED");
      // The start is asynchronous (the route's stages): RUNNING once it settled.
      await waitFor(() => states.length > 0, { what: "the start to settle" });
      expect(states).toEqual(["RUNNING"]);
      expect(routes.routes().map((r) => [r.connector, r.state])).toEqual([["old", "open"]]);
      expect(warn.mock.calls.map((c) => String(c[0]))).toEqual([
        expect.stringContaining(
          "Connector old: ingest.queue.max.records runs as before, though validation now refuses it: ingest.queue.max.records (50) is smaller than ingest.max.records (100)",
        ),
      ]);
      await wc.shutdown();
    } finally {
      warn.mockRestore();
    }
  });
});
