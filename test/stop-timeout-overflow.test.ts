/**
 * A `task.shutdown.graceful.timeout.ms` past setTimeout's longest delay (2^31−1 ms, ~24.8 days; an
 * operator's "never abandon a task", up to Long.MAX_VALUE, which Connect accepts) still stops
 * gracefully: the stop bound and the task's wait are not fired after 1 ms (Bun's
 * TimeoutOverflowWarning), so no task is abandoned and the exit is 0, never the forced 1.
 * Real gateway (GATEWAY_BIN), real broker, a Bun.serve endpoint on port 0.
 */
import { describe, expect, test } from "bun:test";
import { startGateway, taskState } from "./support/gateway.ts";
import { createTopic, kafkaBroker, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

describe("graceful stop with a huge task.shutdown.graceful.timeout.ms", () => {
  test("SIGTERM stops the running task gracefully (exit 0): no timer overflow, no task abandoned", async () => {
    const kafka = await kafkaBroker();
    const topic = uniqueTopic("stop-overflow");
    await createTopic(topic);
    using server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("ok") });
    await using dir = await tempDir("stop-overflow");
    await using gw = await startGateway({
      dir: dir.path,
      worker: {
        "bootstrap.servers": kafka.bootstrap,
        "data.dir": dir.file("data"),
        "task.shutdown.graceful.timeout.ms": "9223372036854775807",
      },
    });
    const name = uniqueTopic("stop-overflow-sink");
    const created = await gw.rest.post("/connectors", {
      name,
      config: {
        "connector.class": "HttpSink",
        topics: topic,
        "flink.connector.http.url": `http://127.0.0.1:${server.port}/events`,
      },
    });
    expect(created.status).toBe(201);
    await waitFor(async () => (await taskState(gw, name)) === "RUNNING", { what: "the sink task running" });
    gw.proc.kill("SIGTERM");
    expect(await gw.proc.exited).toBe(0);
    expect(gw.output()).toContain("Gateway stopped");
    expect(gw.output()).not.toContain("TimeoutOverflowWarning");
    expect(gw.output()).not.toContain("Graceful stop of task");
    expect(gw.output()).not.toContain("forcing exit");
  });
});
