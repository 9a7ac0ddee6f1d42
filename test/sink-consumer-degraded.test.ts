/**
 * explore30 F4: a sink task whose consumer cannot start (Kafka not reached) read RUNNING without a trace. Its RUNNING
 * status now carries a Degraded trace naming why, as a source task's does while Kafka does not take its records, gone
 * once the consumer joins (Kafka reached through the port) and consumes.
 * sinkstart: with the default client the first "Could not start consuming yet" WARN came only after the start had
 * waited for the topic through 51 metadata requests, each retried by the library (21-85 s); it now comes after the
 * first one failed. Kafka here is a port that cuts every connection it accepts, so the test counts the tries.
 */
import { expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { connectPlatformaticAdmin } from "../src/kafka/platformatic/admin.ts";
import { runningTask, startGateway, tracedTask } from "./support/gateway.ts";
import { createTopic, kafkaBroker, produce, uniqueTopic } from "./support/kafka.ts";
import { closedPort, tcpCutter, tcpForwarder } from "./support/tcp-forwarder.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

test("a sink whose consumer cannot reach Kafka is RUNNING with a Degraded trace, gone once it consumes", async () => {
  const kafka = await kafkaBroker();
  await using dir = await tempDir();
  const topic = uniqueTopic("sinkdeg");
  await createTopic(topic);
  const port = await closedPort();
  await using cutter = await tcpCutter(port);
  // How many tries one request of the library makes before it gives up, measured so that a change of the library
  // moves the bar too.
  await expect(connectPlatformaticAdmin({ "bootstrap.servers": `127.0.0.1:${port}` })).rejects.toThrow();
  const oneRequest = cutter.connections;
  expect(oneRequest).toBeGreaterThan(0);
  await using gw = await startGateway({
    dir: dir.path,
    // JSON lines: each carries the time the gateway wrote it.
    worker: { "bootstrap.servers": `127.0.0.1:${port}`, "data.dir": dir.file("data"), "log.format": "json" },
  });
  const out = dir.file("out.txt");
  const name = uniqueTopic("sinkdeg-sink"); // a consumer group of its own on the shared broker
  const created = await gw.rest.put(`/connectors/${name}/config`, {
    "connector.class": "FileStreamSink",
    topics: topic,
    file: out,
    "key.converter": "org.apache.kafka.connect.storage.StringConverter",
    "value.converter": "org.apache.kafka.connect.storage.StringConverter",
  });
  expect(created.status).toBe(201);
  // Long enough for the old wait too, so that it fails on the count.
  await gw.waitForOutput(/Could not start consuming yet/, 150_000);
  // Counted up to the time the gateway wrote the WARN, not the time this test read it: the start's retries connect
  // again and again after it. The gateway's own look for Kafka and the consumer's first start each give up after one
  // request (the start's wait for its topic made 51): four requests' tries leave room to spare.
  const warnedAt = await waitFor(() => firstLoggedAt(gw.output(), /Could not start consuming yet/), {
    what: "the WARN's whole line",
  });
  expect(cutter.connectionsBy(warnedAt) - oneRequest).toBeLessThanOrEqual(4 * oneRequest);
  const task = async () => (await gw.rest.get(`/connectors/${name}/status`)).body.tasks?.[0];
  const degraded = await tracedTask(gw, name, 30_000);
  expect(degraded).toEqual(
    runningTask(
      new RegExp(
        `^Degraded: the task's consumer cannot start consuming \\(the last attempt failed: Failed to start the consumer of group connect-${name}: metadata failed \\d+ times\\. \\(Connection to 127\\.0\\.0\\.1:\\d+ closed(?:: [^)]*)?\\)\\); the start is retried until it succeeds\\. No records are delivered to the task meanwhile\\.$`,
      ),
    ),
  );
  // Kafka reached through the port: the consumer joins, the trace goes, the records are written.
  await cutter[Symbol.asyncDispose]();
  await using _forwarder = await tcpForwarder(port, kafka.bootstrap);
  await produce(topic, [{ value: "after the outage" }]);
  await waitFor(() => existsSync(out) && readFileSync(out, "utf8").includes("after the outage"), {
    timeoutMs: 100_000,
    what: "the record written",
  });
  expect(await task()).toEqual(runningTask());
}, 240_000);

/**
 * The time (epoch ms) of the first whole line of the gateway's JSON log (log.format=json) whose message matches
 * `pattern`; undefined while there is none.
 */
function firstLoggedAt(output: string, pattern: RegExp): number | undefined {
  const line = output
    .split("\n")
    .slice(0, -1) // the last is not whole yet
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { time: string; message: string })
    .find((l) => pattern.test(l.message));
  return line && Date.parse(line.time);
}
