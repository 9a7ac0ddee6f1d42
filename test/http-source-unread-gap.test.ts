/**
 * The HTTP source in the running gateway (the compiled binary with GATEWAY_BIN) against a
 * newest-first events API paged by Link headers, with http.pagination.max.pages below the pages a poll
 * finds, on the real broker. A poll that the cap ends before its pages reach the offset it started
 * from is held at the next page (unread-gap.ts): the committed offset keeps that floor, with the
 * newest delivered as `next_offset`, the page held at and the oldest delivered (`gap_oldest`); the next poll reads on, and the offset
 * moves to the newest once the older pages are read. Every event reaches Kafka (accounted by id),
 * across a kill -9 mid-gap too. An oldest-first API (OFFSET pagination, never held) still ends its
 * poll at the cap (no gap).
 */
import { describe, expect, test } from "bun:test";
import { type Gateway, startGateway } from "./support/gateway.ts";
import { startApi } from "./support/http-api.ts";
import { createTopic, kafkaBroker, readAll, uniqueTopic, valueIds } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const LIMIT = 5;
const FLOOR = "2025-01-01T00:00:00Z";
const at = (id: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, id)).toISOString();
const ids = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Events 0..count()-1 newest first, LIMIT a page, `?page=n` linked as next; the first request for page 3 waits for `gate`. */
function newestFirstApi(count: () => number, gate: Promise<void>) {
  let gated = false;
  return startApi(async (req) => {
    const n = Number(req.url.searchParams.get("page") ?? "1");
    if (n === 3 && !gated) {
      gated = true;
      await gate;
    }
    const offset = (n - 1) * LIMIT;
    const page = Array.from({ length: LIMIT }, (_, i) => count() - 1 - offset - i).filter((id) => id >= 0);
    const next = offset + LIMIT < count() ? { link: `</events?page=${n + 1}>; rel="next"` } : undefined;
    return Response.json(
      page.map((id) => ({ id, at: at(id) })),
      next ? { headers: next } : {},
    );
  });
}

const connector = (url: string, topic: string) => ({
  "connector.class": "HttpSource",
  "http.url": url,
  "kafka.topic": topic,
  "http.timer.interval.ms": "300",
  "http.response.records.path": "$[*]",
  "http.pagination.type": "LINK_HEADER",
  "http.pagination.max.pages": "2",
  "http.offset.mode": "TIMESTAMP",
  "http.offset.field": "at",
  "http.initial.offset": FLOOR,
  "value.converter": "org.apache.kafka.connect.json.JsonConverter",
  "value.converter.schemas.enable": "false",
});

async function storedOffset(gw: Gateway, name: string): Promise<Record<string, unknown> | undefined> {
  return (await gw.rest.get(`/connectors/${name}/offsets`)).body.offsets?.[0]?.offset;
}

/**
 * Waits for the committed offset of the held first poll: the floor, the newest delivered, the page
 * held at and the oldest delivered.
 */
async function heldOffset(gw: Gateway, name: string) {
  return waitFor(
    async () => {
      const offset = await storedOffset(gw, name);
      return offset?.gap_oldest !== undefined ? offset : undefined;
    },
    { what: "the held poll's offset committed", timeoutMs: 30_000 },
  );
}

/** Waits for the offset `offset` committed at the end of a poll, and `n` records in `topic`. */
async function settled(gw: Gateway, name: string, offset: string, topic: string, n: number) {
  await waitFor(
    async () => {
      const stored = await storedOffset(gw, name);
      return stored?.offset === offset && !("skip" in stored) && (await readAll(topic)).length >= n;
    },
    { what: `the offset ${offset} and ${n} records`, timeoutMs: 60_000 },
  );
}

describe("HTTP source and a newest-first API with more pages than http.pagination.max.pages", () => {
  test("the next polls read the older pages: every event once, the offset the newest once they are read", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    let count = 20;
    let release!: () => void;
    using api = newestFirstApi(
      () => count,
      new Promise((r) => {
        release = r;
      }),
    );
    const topic = uniqueTopic("unread-gap");
    await createTopic(topic, 1);
    await using gw = await startGateway({
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data"), "offset.flush.interval.ms": "100" },
    });
    expect((await gw.rest.put("/connectors/gap/config", connector(`${api.base}/events`, topic))).status).toBe(201);
    expect(await heldOffset(gw, "gap")).toEqual({
      offset: FLOOR,
      offset_mode: "TIMESTAMP",
      poll_time: expect.any(Number),
      next_offset: at(19),
      page_link: "?page=3",
      skip: 0,
      page_offset: FLOOR,
      gap_oldest: at(10),
    });
    release();
    await settled(gw, "gap", at(19), topic, 20);
    expect(valueIds(await readAll(topic))).toEqual(ids(20).toReversed());
    // New events: two pages of them, past the cap again, then the floor reached.
    count = 32;
    await settled(gw, "gap", at(31), topic, 32);
    const all = valueIds(await readAll(topic));
    expect(all.toSorted((a, b) => a - b)).toEqual(ids(32));
    expect(gw.output()).toContain("reads on from the next page");
    expect((await gw.rest.get("/connectors/gap/status")).body.tasks[0].state).toBe("RUNNING");
  }, 120_000);

  test("killed mid-gap: the restarted gateway resumes the gap from the committed offset", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    let release!: () => void;
    using api = newestFirstApi(
      () => 20,
      new Promise((r) => {
        release = r;
      }),
    );
    const topic = uniqueTopic("unread-gap-kill");
    await createTopic(topic, 1);
    const options = {
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data"), "offset.flush.interval.ms": "100" },
    };
    const first = await startGateway(options);
    try {
      expect((await first.rest.put("/connectors/gap/config", connector(`${api.base}/events`, topic))).status).toBe(201);
      expect((await heldOffset(first, "gap")).next_offset).toBe(at(19));
    } finally {
      await first.kill();
    }
    release();
    await using gw = await startGateway(options);
    await settled(gw, "gap", at(19), topic, 20);
    expect(valueIds(await readAll(topic)).toSorted((a, b) => a - b)).toEqual(ids(20));
    expect(gw.output()).toContain("Resuming the interrupted poll");
  }, 120_000);

  test("an oldest-first API: the poll ends at the cap as before, the next starts at the first page", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    using api = startApi((req) => {
      const offset = Number(req.url.searchParams.get("offset"));
      const since = Date.parse(req.url.searchParams.get("since")!);
      const after = ids(20).filter((id) => Date.parse(at(id)) > since);
      return Response.json(after.slice(offset, offset + LIMIT).map((id) => ({ id, at: at(id) })));
    });
    const topic = uniqueTopic("oldest-first-cap");
    await createTopic(topic, 1);
    await using gw = await startGateway({
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data"), "offset.flush.interval.ms": "100" },
    });
    const config = {
      ...connector(`${api.base}/events?since=\${offset}`, topic),
      "http.pagination.type": "OFFSET",
      "http.pagination.limit.value": String(LIMIT),
    };
    expect((await gw.rest.put("/connectors/oldest/config", config)).status).toBe(201);
    await settled(gw, "oldest", at(19), topic, 20);
    expect(valueIds(await readAll(topic))).toEqual(ids(20));
    const asked = api.seen.slice(0, 4).map((s) => [s.url.searchParams.get("offset"), s.url.searchParams.get("since")]);
    expect(asked).toEqual([
      ["0", FLOOR],
      [String(LIMIT), FLOOR],
      ["0", at(9)],
      [String(LIMIT), at(9)],
    ]);
    expect(gw.output()).not.toContain("reads on from the next page");
  }, 120_000);
});
