/**
 * A graceful stop of the whole gateway (SIGTERM) while a request of the HTTP sink is on the wire,
 * against the real broker and a loopback endpoint: the stop's close waits for the request's answer;
 * answered 200 there, its records are committed and not sent again after the restart (as in Connect,
 * whose blocking put returned before the stop's commit); refused there, they are sent again (no loss).
 */
import { expect, test } from "bun:test";
import { type Gateway, startGateway } from "./support/gateway.ts";
import { createTopic, kafkaBroker, producePerPartition, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

// The line the stop's close logs while it waits for the request (its stable start).
const CLOSE_WAITS = "waiting for 1 request(s) on the wire";

/** A loopback endpoint logging each request's body; the first request is held until `release(status)`. */
function heldEndpoint() {
  const bodies: string[] = [];
  let release!: (status: number) => void;
  const released = new Promise<number>((resolve) => {
    release = resolve;
  });
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const body = await req.text();
      bodies.push(body);
      const status = bodies.length === 1 ? await released : 200;
      return new Response(status === 200 ? "ok" : "refused", { status });
    },
  });
  return {
    bodies,
    release,
    url: `http://127.0.0.1:${server.port}/events`,
    [Symbol.dispose]: () => server.stop(true),
  };
}

async function stopWhileHeld(status: number): Promise<string[]> {
  await using dir = await tempDir();
  const topic = uniqueTopic("http-sink-stop");
  await createTopic(topic, 1);
  await producePerPartition(topic, 1, 3, (_p, i) => `r${i}`);
  using endpoint = heldEndpoint();
  const kafka = await kafkaBroker();
  const options = {
    dir: dir.path,
    worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data"), "offset.flush.interval.ms": "60000" },
  };
  let gw: Gateway = await startGateway(options);
  try {
    const created = await gw.rest.post("/connectors", {
      name: uniqueTopic("stop-sink"),
      config: {
        "connector.class": "HttpSink",
        topics: topic,
        "tasks.max": "1",
        "flink.connector.http.url": endpoint.url,
        "sink.batch.max-size": "3",
        "sink.flush-buffer.timeout": "20",
        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
      },
    });
    expect(created.status).toBe(201);
    await waitFor(() => endpoint.bodies.length === 1, { what: "the request of r0-r2 on the wire" });
    // The stop's close waits for it (the first preCommit held it back): only then is it answered.
    const stopped = gw.stop();
    await waitFor(() => gw.output().includes(CLOSE_WAITS), { what: "the stop's close waiting for the request" });
    endpoint.release(status);
    expect(await stopped).toBe(0);
    gw = await startGateway(options);
    await producePerPartition(topic, 1, 1, (_p, i) => `r${i}`, 3);
    await waitFor(() => endpoint.bodies.some((b) => b.includes("r3")), { what: "r3 after the restart" });
    expect(await gw.stop()).toBe(0);
    return endpoint.bodies;
  } catch (error) {
    console.error(`gateway log (tail):\n${gw.output().slice(-8000)}`);
    throw error;
  } finally {
    if (gw.proc.exitCode === null) gw.proc.kill("SIGKILL");
  }
}

test("a request answered 200 while the graceful stop waits for it is committed: not sent again after the restart", async () => {
  const bodies = await stopWhileHeld(200);
  const sent = bodies.join(" ");
  for (const r of ["r0", "r1", "r2"]) expect(sent.split(r).length - 1).toBe(1);
  expect(sent).toContain("r3");
}, 90_000);

test("a request refused while the graceful stop waits for it is sent again after the restart (no loss)", async () => {
  const bodies = await stopWhileHeld(503);
  const sent = bodies.slice(1).join(" ");
  for (const r of ["r0", "r1", "r2", "r3"]) expect(sent).toContain(r);
}, 90_000);
