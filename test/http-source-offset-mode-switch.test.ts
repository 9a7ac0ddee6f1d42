/**
 * The HTTP source's stored offset across config edits and restarts, on the compiled binary (run
 * with GATEWAY_BIN) against a loopback API and the shared broker: an offset http.offset.mode=NONE
 * stored is the offset it sent, so a NONE connector with an edited http.initial.offset sends the new
 * one, and one switched to TIMESTAMP starts from its new http.initial.offset (before, both went on
 * from the offset NONE stored until it was removed through REST); a TIMESTAMP poll interrupted
 * between pages is resumed at its page, each record in Kafka once.
 */
import { describe, expect, test } from "bun:test";
import { startGateway } from "./support/gateway.ts";
import { startApi, type TestApi } from "./support/http-api.ts";
import { kafkaBroker, readAll, readTopic, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const T = (year: number) => `${year}-01-01T00:00:00Z`;

async function gatewayIn(dir: { path: string; file(name: string): string }) {
  const kafka = await kafkaBroker();
  return startGateway({
    dir: dir.path,
    worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data"), "offset.flush.interval.ms": "100" },
  });
}

const sinceOf = (s: { url: URL }) => s.url.searchParams.get("since");

/** A NONE connector that sent and stored `since=2020`, on a gateway with an API answering one record of 2030. */
async function noneConnector(dir: { path: string; file(name: string): string }, api: TestApi) {
  const gw = await gatewayIn(dir);
  const base = {
    "connector.class": "HttpSource",
    "http.url": `${api.base}/events?since=\${offset}`,
    "kafka.topic": uniqueTopic("mode-switch"),
    "http.timer.interval.ms": "500",
    "http.response.records.path": "$[*]",
  };
  const offsetOf = async () => (await gw.rest.get("/connectors/switch/offsets")).body.offsets?.[0]?.offset;
  const created = await gw.rest.post("/connectors", {
    name: "switch",
    config: { ...base, "http.initial.offset": T(2020) },
  });
  expect(created.status).toBe(201);
  await waitFor(async () => (await offsetOf())?.offset_mode === "NONE", { what: "NONE's offset stored" });
  expect((await offsetOf()).offset).toBe(T(2020));
  /** PUTs the connector's config (`edit` on the NONE one); the `since` each request sent from the new task's first on. */
  const edit = async (config: Record<string, string>, first: string) => {
    const from = api.seen.length;
    expect((await gw.rest.put("/connectors/switch/config", { ...base, ...config })).status).toBe(200);
    await waitFor(() => api.seen.slice(from).some((s) => sinceOf(s) === first), {
      what: `a request with since=${first}`,
    });
    // The old task's last requests may come after the PUT, never after the new task's first.
    return () => {
      const sent = api.seen.slice(from).map(sinceOf);
      return sent.slice(sent.indexOf(first));
    };
  };
  return { gw, edit, offsetOf };
}

describe("HTTP source offsets across edits of http.offset.mode and http.initial.offset", () => {
  test("NONE with an edited http.initial.offset sends the new one", async () => {
    await using dir = await tempDir();
    using api = startApi(() => Response.json([{ id: "e1", at: T(2030) }]));
    const { gw, edit, offsetOf } = await noneConnector(dir, api);
    await using _gw = gw;
    // Before: the restarted task went on sending the offset NONE had stored, until it was removed through REST.
    const sent = await edit({ "http.initial.offset": T(2021) }, T(2021));
    await waitFor(async () => (await offsetOf())?.offset === T(2021), { what: "the edited offset stored" });
    expect(new Set(sent())).toEqual(new Set([T(2021)]));
    expect(await gw.stop()).toBe(0);
  }, 120_000);

  test("NONE switched to TIMESTAMP: its first request carries TIMESTAMP's http.initial.offset", async () => {
    await using dir = await tempDir();
    using api = startApi(() => Response.json([{ id: "e1", at: T(2030) }]));
    const { gw, edit, offsetOf } = await noneConnector(dir, api);
    await using _gw = gw;
    const timestamp = { "http.offset.mode": "TIMESTAMP", "http.offset.field": "at", "http.initial.offset": T(2025) };
    const sent = await edit(timestamp, T(2025));
    // TIMESTAMP tracks its position: the record's instant is the next poll's offset.
    await waitFor(() => sent().includes(T(2030)), { what: "a poll from the record's instant" });
    expect(sent()[0]).toBe(T(2025));
    expect(new Set(sent())).toEqual(new Set([T(2025), T(2030)]));
    await waitFor(async () => (await offsetOf())?.offset_mode === "TIMESTAMP", { what: "TIMESTAMP's offset stored" });
    expect(await gw.stop()).toBe(0);
  }, 120_000);

  test("a TIMESTAMP poll interrupted between pages resumes at its page after a restart, each record once", async () => {
    await using dir = await tempDir();
    const events = [1, 2, 3, 4, 5, 6].map((n) => ({ id: `e${n}`, at: `2030-01-0${n}T00:00:00Z` }));
    let failing = true;
    using api = startApi((req) => {
      const offset = Number(req.url.searchParams.get("offset"));
      // The poll's third page fails until the restart: the poll waits at it, its second page's records committed.
      if (offset === 4 && failing) return new Response("busy", { status: 503 });
      return Response.json(events.slice(offset, offset + 2));
    });
    const topic = uniqueTopic("mid-poll");
    await using gw = await gatewayIn(dir);
    const created = await gw.rest.post("/connectors", {
      name: "mid-poll",
      config: {
        "connector.class": "HttpSource",
        "http.url": `${api.base}/events?since=\${offset}`,
        "kafka.topic": topic,
        // One poll an hour: the waiting poll asks its failed page again only then, and a resumed one at once.
        "http.timer.interval.ms": "3600000",
        "http.response.records.path": "$[*]",
        "http.pagination.type": "OFFSET",
        "http.pagination.limit.value": "2",
        "http.offset.mode": "TIMESTAMP",
        "http.offset.field": "at",
        "http.initial.offset": T(2029),
        "http.retry.max.attempts": "1",
        "behavior.on.error": "log",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "false",
      },
    });
    expect(created.status).toBe(201);
    await readTopic(topic, 4, 60_000);
    await waitFor(
      async () => {
        const offset = (await gw.rest.get("/connectors/mid-poll/offsets")).body.offsets?.[0]?.offset;
        return offset?.page_position === 2 && offset?.skip === 2 ? offset : undefined;
      },
      { what: "the second page's last record's offset committed" },
    );
    expect((await gw.rest.get("/connectors/mid-poll/offsets")).body.offsets[0].offset).toEqual({
      offset: T(2029),
      offset_mode: "TIMESTAMP",
      poll_time: expect.any(Number),
      next_offset: events[3]!.at,
      page_position: 2,
      skip: 2,
      page_offset: T(2029),
    });
    failing = false;
    const from = api.seen.length;
    expect((await gw.rest.post("/connectors/mid-poll/restart?includeTasks=true")).status).toBe(202);
    await readTopic(topic, 6, 60_000);
    await waitFor(() => api.seen.length - from >= 3, { what: "the resumed poll's pages" });
    expect(api.seen.slice(from, from + 3).map((s) => [sinceOf(s), s.url.searchParams.get("offset")])).toEqual([
      [T(2029), "2"],
      [T(2029), "4"],
      [T(2029), "6"],
    ]);
    const got = (await readAll(topic)).map((r) => JSON.parse(r.value!.toString()).id);
    expect(got).toEqual(events.map((e) => e.id));
    expect(await gw.stop()).toBe(0);
  }, 120_000);
});
