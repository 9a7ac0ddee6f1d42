/**
 * kill -9 of the gateway (the compiled binary when GATEWAY_BIN is set) at the moment the HTTP
 * source asks for a page, while the records of the pages before it are still being sent and their
 * offsets committed (offset.flush.interval.ms=50), for each pagination type: killed twice (the
 * second time in the poll the restart resumed), then run to the end of the poll. Kafka holds every
 * record, and the topic (one partition) reads as runs of consecutive records where a new run starts
 * only at or before where the previous one stopped: a restart re-reads (at-least-once) but never
 * skips a record or a page.
 */
import { describe, expect, test } from "bun:test";
import { type Gateway, startGateway } from "./support/gateway.ts";
import { startApi } from "./support/http-api.ts";
import { createTopic, kafkaBroker, readAll, uniqueTopic, valueIds } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const PAGES = 24;
const PER_PAGE = 40;
const TOTAL = PAGES * PER_PAGE;
/** The pages whose request kills the first and the second gateway. */
const KILL_AT = [6, 15];

const items = (page: number) =>
  Array.from({ length: PER_PAGE }, (_, i) => ({ id: (page - 1) * PER_PAGE + i, pad: "x".repeat(100) }));

/** The instant of record `id` (TIMESTAMP case): one second apart. */
const at = (id: number) => new Date(Date.UTC(2026, 0, 1) + id * 1000).toISOString().replace(".000Z", "Z");

interface Case {
  /** The page a request asks for (1-based). */
  page(url: URL): number;
  answer(page: number, url: URL): Response;
  readonly config: Record<string, string>;
}

const offsetPage = (url: URL) => Number(url.searchParams.get("offset") ?? "0") / PER_PAGE + 1;

/** Per pagination type (and TIMESTAMP offsets with OFFSET pagination): the API and the connector's keys. */
const CASES: Record<string, Case> = {
  "OFFSET pagination": {
    page: offsetPage,
    // The last page is empty: a page with fewer records than the limit ends the poll.
    answer: (page) => Response.json(page > PAGES ? [] : items(page)),
    config: {
      "http.pagination.type": "OFFSET",
      "http.pagination.limit.value": String(PER_PAGE),
      "http.response.records.path": "$[*]",
    },
  },
  "CURSOR pagination": {
    page: (url) => Number((url.searchParams.get("cursor") ?? "c1").slice(1)),
    answer: (page) => Response.json({ items: items(page), next: page < PAGES ? `c${page + 1}` : null }),
    config: {
      "http.pagination.type": "CURSOR",
      "http.pagination.cursor.path": "$.next",
      "http.response.records.path": "$.items[*]",
    },
  },
  "LINK_HEADER pagination": {
    page: (url) => Number(url.searchParams.get("page") ?? "1"),
    answer: (page) =>
      Response.json(items(page), page < PAGES ? { headers: { link: `</items?page=${page + 1}>; rel="next"` } } : {}),
    config: { "http.pagination.type": "LINK_HEADER", "http.response.records.path": "$[*]" },
  },
  // Oldest first, `since` inclusive: every poll of the run (resumed too) asks from the offset it started at.
  "OFFSET pagination, TIMESTAMP offsets": {
    page: offsetPage,
    answer: (page, url) => {
      const since = Date.parse(url.searchParams.get("since")!);
      const all = Array.from({ length: PAGES }, (_, p) => items(p + 1)).flat();
      const selected = all.filter((r) => Date.parse(at(r.id)) >= since).map((r) => ({ ...r, at: at(r.id) }));
      return Response.json(selected.slice((page - 1) * PER_PAGE, page * PER_PAGE));
    },
    config: {
      "http.url": "/items?since=${offset}",
      "http.offset.mode": "TIMESTAMP",
      "http.offset.field": "at",
      "http.record.key.field": "id",
      "http.initial.offset": "2025-01-01T00:00:00Z",
      "http.pagination.type": "OFFSET",
      "http.pagination.limit.value": String(PER_PAGE),
      "http.response.records.path": "$[*]",
    },
  },
};

describe("HTTP source killed with SIGKILL as it asks for a page", () => {
  // Every case has a gateway, topic and connector of its own and mostly waits: they run at once.
  test.concurrent.each(Object.keys(CASES))(
    "%s: killed twice mid-poll, every record in Kafka, no page skipped",
    async (paging) => {
      const { page: pageOf, answer, config } = CASES[paging]!;
      const kafka = await kafkaBroker();
      await using dir = await tempDir();
      const topic = uniqueTopic("source-kill");
      await createTopic(topic, 1);
      let gw: Gateway | undefined;
      let kills = 0;
      let killed: Promise<void> | undefined;
      using api = startApi((req) => {
        const page = pageOf(req.url);
        if (gw && kills < KILL_AT.length && page === KILL_AT[kills]) {
          kills++;
          const dying = gw;
          killed = dying.kill();
          return new Promise<Response>(() => undefined);
        }
        return answer(page, req.url);
      });
      const options = {
        dir: dir.path,
        worker: {
          "bootstrap.servers": kafka.bootstrap,
          "data.dir": dir.file("data"),
          "offset.flush.interval.ms": "50",
        },
      };
      await using _cleanup = {
        [Symbol.asyncDispose]: async () => {
          if (gw && gw.proc.exitCode === null) gw.proc.kill("SIGKILL");
        },
      };
      gw = await startGateway(options);
      const created = await gw.rest.post("/connectors", {
        name: "kill-source",
        config: {
          "connector.class": "HttpSource",
          "kafka.topic": topic,
          "http.timer.interval.ms": "3600000",
          "value.converter": "org.apache.kafka.connect.json.JsonConverter",
          "value.converter.schemas.enable": "false",
          ...config,
          "http.url": `${api.base}${config["http.url"] ?? "/items"}`,
        },
      });
      expect(created.status).toBe(201);
      for (let k = 1; k <= KILL_AT.length; k++) {
        await waitFor(() => kills === k, { what: `kill ${k}`, timeoutMs: 60_000 });
        await killed;
        gw = await startGateway(options);
      }
      const stored = await waitFor(
        async () => {
          const offset = (await gw!.rest.get("/connectors/kill-source/offsets")).body.offsets?.[0]?.offset;
          const done = offset && !("skip" in offset) && new Set(valueIds(await readAll(topic))).size >= TOTAL;
          return done ? offset : undefined;
        },
        { what: "the poll's end committed", timeoutMs: 60_000 },
      );
      const ids = valueIds(await readAll(topic));
      const restarts = ids.flatMap((id, i) => (i > 0 && id !== ids[i - 1]! + 1 ? [[ids[i - 1]!, id]] : []));
      console.log(`${paging}: ${ids.length} records for ${TOTAL}, runs restarted at ${JSON.stringify(restarts)}`);
      // A new run starts at or before the record after where the previous one stopped: nothing skipped.
      for (const [last, next] of restarts) expect(next).toBeLessThanOrEqual(last! + 1);
      expect(ids[0]).toBe(0);
      expect(new Set(ids).size).toBe(TOTAL);
      expect(Math.max(...ids)).toBe(TOTAL - 1);
      expect(restarts.length).toBeLessThanOrEqual(KILL_AT.length);
      // The poll's final offset: the newest record's instant (TIMESTAMP), nothing else without offsets.
      expect(stored.offset).toBe(config["http.offset.mode"] ? at(TOTAL - 1) : "");
      expect(await gw.stop()).toBe(0);
    },
    180_000,
  );
});
