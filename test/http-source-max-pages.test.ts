/**
 * http.pagination.max.pages on a newest-first API with a TIMESTAMP offset, in the real gateway
 * (GATEWAY_BIN for the compiled binary): the poll that reaches the cap stops there and stores its
 * page with the offsets, so a restart (kill -9 here) goes on at the next page and every event reaches
 * Kafka once. Before, the cap ended the poll: the offset moved to the newest event read, and the
 * older pages past the cap were never asked for (auditsrcfaults).
 */
import { expect, test } from "bun:test";
import { type Gateway, startGateway } from "./support/gateway.ts";
import { startApi } from "./support/http-api.ts";
import { kafkaBroker, readAll, uniqueTopic, valueIds } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const EVENTS = 12;
const PER_PAGE = 3;
const ts = (id: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, id)).toISOString();

test("max.pages reached on a newest-first API: a restart goes on at the next page, every event once", async () => {
  const kafka = await kafkaBroker();
  await using dir = await tempDir();
  // Newest first, keyset next links carrying the poll's `since`, as GitHub-like event APIs page.
  using api = startApi((req) => {
    const since = req.url.searchParams.get("since") ?? "";
    const before = Number(req.url.searchParams.get("before") ?? String(EVENTS));
    const ids = Array.from({ length: EVENTS }, (_, i) => EVENTS - 1 - i).filter((id) => id < before && ts(id) > since);
    const page = ids.slice(0, PER_PAGE);
    const next = `</events?before=${page.at(-1)}&since=${encodeURIComponent(since)}>; rel="next"`;
    return Response.json(
      page.map((id) => ({ id, ts: ts(id) })),
      { headers: ids.length > PER_PAGE ? { link: next } : {} },
    );
  });
  const topic = uniqueTopic("max-pages");
  const options = {
    dir: dir.path,
    worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data"), "offset.flush.interval.ms": "100" },
  };
  let gw: Gateway = await startGateway(options);
  await using _cleanup = {
    [Symbol.asyncDispose]: async () => {
      if (gw.proc.exitCode === null) gw.proc.kill("SIGKILL");
    },
  };
  const created = await gw.rest.post("/connectors", {
    name: "max-pages-source",
    config: {
      "connector.class": "HttpSource",
      "http.url": `${api.base}/events?since=\${offset}`,
      "kafka.topic": topic,
      // One poll an hour: only the restart can read the pages after the cap.
      "http.timer.interval.ms": "3600000",
      "http.response.records.path": "$[*]",
      "http.pagination.type": "LINK_HEADER",
      "http.pagination.max.pages": "3",
      "http.offset.mode": "TIMESTAMP",
      "http.offset.field": "ts",
      "http.record.key.field": "id",
      "value.converter": "org.apache.kafka.connect.json.JsonConverter",
      "value.converter.schemas.enable": "false",
    },
  });
  expect(created.status).toBe(201);
  await gw.waitForOutput(/Pagination reached http\.pagination\.max\.pages \(3\)/);
  // The third page's last record is committed with its page: the poll is not over (before, the poll's
  // final offset was: the newest event's, with no page).
  const stored = await waitFor(
    async () => {
      const offset = (await gw.rest.get("/connectors/max-pages-source/offsets")).body.offsets?.[0]?.offset;
      const third = offset?.skip === PER_PAGE && String(offset.page_link).includes(`before=${EVENTS - 2 * PER_PAGE}`);
      return third || (offset && !("skip" in offset)) ? offset : undefined;
    },
    { what: "the capped poll's last record committed" },
  );
  expect(stored.offset).toBe("");
  expect(api.seen.length).toBe(3);
  await gw.kill();

  gw = await startGateway(options);
  const ids = await waitFor(
    async () => {
      const got = valueIds(await readAll(topic));
      return got.length >= EVENTS ? got : undefined;
    },
    { what: "every event in Kafka" },
  );
  expect(ids).toEqual(Array.from({ length: EVENTS }, (_, i) => EVENTS - 1 - i));
  // The restart asked the third page again (its records skipped) and went on with the oldest one.
  expect(api.seen.slice(3).map((s) => s.url.searchParams.get("before"))).toEqual(
    [EVENTS - 2 * PER_PAGE, EVENTS - 3 * PER_PAGE].map(String),
  );
  expect(await gw.stop()).toBe(0);
});
