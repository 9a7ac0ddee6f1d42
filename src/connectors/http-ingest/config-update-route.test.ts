/**
 * A config update of an ingest connector: no request its route takes after the update goes through
 * the tasks of the old config (review67). Regression: the update kept the old tasks running until
 * the new instance's task configs were stored, while the new instance had already reopened the
 * route, so requests taken in between went through the old transforms and converters (a
 * RegexRouter the update added: records written, acknowledged, to the old topic).
 */
import { expect, test } from "bun:test";
import { createTopic, kafkaBroker, readAll, uniqueTopic } from "../../../test/support/kafka.ts";
import { waitFor } from "../../../test/support/wait-for.ts";
import type { Config } from "../../api/connector.ts";
import { passThroughStagesFactory } from "../../ingest/request-context.ts";
import { IngestRouteTable } from "../../ingest/route-table.ts";
import { kafkaPorts } from "../../kafka/kafka-ports.ts";
import { inProcessWorker } from "../../runtime/herder-test-support.ts";
import { deferred } from "../../util/async.ts";
import { LogManager } from "../../util/logger.ts";
import { httpIngestSource } from "./index.ts";
import { ingestRecord } from "./test-support.ts";

test("after a config update adding a RegexRouter, every request taken is written by the new config", async () => {
  const { bootstrap } = await kafkaBroker();
  const [before, after] = [uniqueTopic("ingest-update-old"), uniqueTopic("ingest-update-new")];
  await Promise.all([createTopic(before), createTopic(after)]);
  const routes = new IngestRouteTable(() => "STARTED");
  // Once the new instance has opened its route, generating its task configs waits for `release`.
  let held = false;
  let opened = false;
  const release = deferred<void>();
  routes.onChange((all) => {
    if (held && all.some((r) => r.state === "open" && r.settings.path === "/ingest/u")) opened = true;
  });
  const resolveConfig = async (config: Config) => {
    if (opened && config.transforms) await release.promise;
    return config;
  };
  await using w = await inProcessWorker({
    worker: {
      "bootstrap.servers": bootstrap,
      "value.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
    },
    kafka: kafkaPorts.platformatic(new LogManager({ sink: () => {} })),
    plugins: [httpIngestSource({ routes, stages: passThroughStagesFactory })],
    resolveConfig,
  });
  const config = { "connector.class": "HttpIngest", "ingest.path": "/ingest/u", "kafka.topic": before };
  expect((await w.rest("PUT", "/connectors/u/config", config)).status).toBe(201);
  const never = new AbortController().signal;
  /** A request's records through the route as the ingest handler sends them; whether it was answered 200. */
  const send = async (value: string): Promise<boolean> => {
    const writer = routes.byPath("/ingest/u")?.writer();
    if (!writer) return false; // 503 Retry-After: no task attached
    const outcomes = await writer.submit({ topic: before, records: [ingestRecord(value)], signal: never });
    return outcomes.every((o) => o.kind === "written");
  };
  await waitFor(() => send("first"), { what: "the first config's task writing" });
  held = true;
  const routed = {
    ...config,
    transforms: "route",
    "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
    "transforms.route.regex": ".*",
    "transforms.route.replacement": after,
  };
  expect((await w.rest("PUT", "/connectors/u/config", routed)).status).toBe(200);
  await waitFor(() => opened, { what: "the new instance's route open" });
  // Its task configs are being generated: a request now must not reach the old config's task.
  const accepted: string[] = [];
  if (await send("during")) accepted.push("during");
  release.resolve();
  await waitFor(() => send("later"), { what: "the new config's task writing" });
  accepted.push("later");
  expect((await readAll(before)).map((r) => r.value?.toString())).toEqual(["first"]);
  await waitFor(async () => (await readAll(after)).length === accepted.length, { what: "the accepted records" });
  expect((await readAll(after)).map((r) => r.value?.toString()).sort()).toEqual(accepted.sort());
}, 60_000);
