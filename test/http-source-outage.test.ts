/**
 * The HTTP source in the real gateway (GATEWAY_BIN for the compiled binary) when the API's link
 * drops in the middle of a poll, configured as the document's complete example (errors.tolerance=all,
 * errors.log.enable=true): the task stays RUNNING through the outage and the next scheduled poll
 * after it resumes at the page that failed, so every record reaches Kafka once. Before, the
 * connection failures that outlasted http.retry.max.attempts failed the task for good.
 */
import { expect, test } from "bun:test";
import { startGateway, taskState } from "./support/gateway.ts";
import { kafkaBroker, readAll, readTopic, uniqueTopic, valueIds } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const page = (n: number) =>
  Array.from({ length: 3 }, (_, i) => {
    const id = (n - 1) * 3 + i;
    return { id, ts: new Date(Date.UTC(2024, 0, 1, 0, 0, id)).toISOString() };
  });

test("an API unreachable mid-poll: the task stays RUNNING and the poll goes on once it is back", async () => {
  const kafka = await kafkaBroker();
  await using dir = await tempDir();
  let up = true;
  const requests: string[] = [];
  const serve = (port: number) =>
    Bun.serve({
      port,
      hostname: "127.0.0.1",
      fetch: (req, server) => {
        const n = Number(new URL(req.url).searchParams.get("page") ?? "1");
        requests.push(String(n));
        if (n === 2 && up) {
          // The link drops while page 2 is asked for: this request and every retry find no server.
          up = false;
          server.stop(true);
          return new Promise<Response>(() => undefined);
        }
        return Response.json(page(n), { headers: n < 3 ? { link: `</e?page=${n + 1}>; rel="next"` } : {} });
      },
    });
  let server = serve(0);
  const port = server.port!;
  await using _stop = { [Symbol.asyncDispose]: async () => void server.stop(true) };
  const topic = uniqueTopic("outage");
  await using gw = await startGateway({
    dir: dir.path,
    worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data"), "offset.flush.interval.ms": "100" },
  });
  const created = await gw.rest.put("/connectors/outage-source/config", {
    "connector.class": "io.confluent.connect.http.HttpSourceConnector",
    "http.url": `http://127.0.0.1:${port}/e`,
    "kafka.topic": topic,
    "http.timer.interval.ms": "500",
    "http.response.records.path": "$[*]",
    "http.pagination.type": "LINK_HEADER",
    // The API ignores the offset: later polls answer the same records, which are not new.
    "http.offset.mode": "TIMESTAMP",
    "http.offset.field": "ts",
    "http.retry.max.attempts": "2",
    "http.retry.backoff.ms": "10",
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
    "value.converter.schemas.enable": "false",
    "errors.tolerance": "all",
    "errors.log.enable": "true",
  });
  expect(created.status).toBe(201);
  await gw.waitForOutput(/failed after 2 attempts: .*the next poll at .* retries this page/);
  expect(await taskState(gw, "outage-source")).toBe("RUNNING");
  server = serve(port);
  const records = await readTopic(topic, 9, 30_000);
  expect(valueIds(records)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  expect(requests.slice(0, 2)).toEqual(["1", "2"]);
  expect(requests.slice(2, 4)).toEqual(["2", "3"]);
  // The poll's end is committed (no page to resume): nothing was delivered twice.
  await waitFor(async () => {
    const offset = (await gw.rest.get("/connectors/outage-source/offsets")).body.offsets?.[0]?.offset;
    return offset?.offset === page(3)[2]!.ts && offset.skip === undefined ? offset : undefined;
  });
  expect((await readAll(topic)).length).toBe(9);
  expect(await taskState(gw, "outage-source")).toBe("RUNNING");
}, 90_000);
