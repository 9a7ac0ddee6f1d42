/**
 * StoredIdempotencyGuard on the gateway's real SQLite file (where the keys live), made full with
 * `PRAGMA max_page_count` as a full disk would (SQLITE_FULL), behind the ingest request pipeline.
 */
import type { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { tempDir } from "../../test/support/temp-dir.ts";
import { waitFor } from "../../test/support/wait-for.ts";
import { openDatabase } from "../store/database.ts";
import { IdempotencyStore } from "../store/idempotency-store.ts";
import { LogManager } from "../util/logger.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { requestHash, StoredIdempotencyGuard } from "./idempotency.ts";
import { ingestApp } from "./ingest-handler.ts";
import { IngestMetrics } from "./ingest-metrics.ts";
import type { RecordOutcome } from "./ingest-record.ts";
import { ANONYMOUS, type IngestStages, passThroughStages } from "./request-context.ts";
import { IngestRouteTable } from "./route-table.ts";
import { post, testSettings } from "./test-support.ts";

/**
 * Caps the file at its size with no free page (a row that needs a new page fails with SQLITE_FULL),
 * then fills the room left in the keys' pages with rows of other connectors: a key's row fits nowhere.
 */
function makeFull(db: Database): void {
  db.run("PRAGMA incremental_vacuum");
  const { page_count } = db.query("PRAGMA page_count").get() as { page_count: number };
  db.run(`PRAGMA max_page_count = ${page_count}`);
  const insert = db.query(
    "INSERT INTO ingest_idempotency (connector, idempotency_key, request_hash, status, content_type, body, created_at, expires_at) VALUES ('filler', ?, '', 200, '', ?, 0, 9e15)",
  );
  let n = 0;
  for (const size of [2000, 200, 20]) {
    for (;;) {
      try {
        insert.run(String(n++), new Uint8Array(size));
      } catch (error) {
        expect(String(error)).toContain("database or disk is full");
        break;
      }
    }
  }
}

/**
 * An ingest listener whose route `c` (`/ingest/t`) acknowledges every record, keys in `dir`'s
 * database; `sync` stands for the store's WAL fsync.
 */
function gateway(
  dir: string,
  stages: IngestStages = passThroughStages,
  config: Record<string, string> = {},
  sync?: () => Promise<void>,
  maxBytes?: number,
) {
  const db = openDatabase(dir);
  const routes = new IngestRouteTable();
  const route = routes.open("c", testSettings({ "ingest.idempotency.window.ms": "60000", ...config }), stages);
  let written = 0;
  /** While set, the records wait for it (a request in flight). */
  let gate: Promise<void> | undefined;
  let submitted = 0;
  routes.attach("c", {
    pending: 0,
    submit: async ({ records }) => {
      submitted++;
      await gate;
      return records.map(
        (): RecordOutcome => ({ kind: "written", topic: "t", partition: 0, offset: written++, timestamp: 1 }),
      );
    },
    withdrawQueued: () => undefined,
  });
  const lines: string[] = [];
  const logs = new LogManager({ sink: (line) => lines.push(line) });
  const clock = new ManualClock(1_700_000_000_000);
  const metrics = new IngestMetrics();
  const store = new IdempotencyStore(db, { sync, ...(maxBytes !== undefined ? { maxBytes } : {}) });
  const guard = new StoredIdempotencyGuard(store, clock, logs.get("idempotency"), metrics);
  const app = ingestApp({ routes, metrics, clock, log: logs.get("ingest"), redact: (t) => t, idempotency: guard });
  const send = async (key: string, body = '{"n":1}', headers: Record<string, string> = {}, path = "/ingest/t") => {
    const request = post(body, "application/json", { "Idempotency-Key": key, ...headers });
    const response = await app.fetch(new Request(`http://gateway${path}`, request), {});
    return {
      status: response.status,
      replayed: response.headers.get("Idempotent-Replayed"),
      body: await response.text(),
    };
  };
  const notStored = () =>
    metrics.families().find((f) => f.name === "ingest_idempotency_keys_not_stored_total")?.samples ?? [];
  const dropped = () =>
    metrics.families().find((f) => f.name === "ingest_idempotency_keys_dropped_total")?.samples ?? [];
  metrics.idempotencyUsage = () => ({ ...store.usage(), maxBytes: store.maxBytes });
  /** Holds the requests' records until the returned function is called. */
  const hold = () => {
    const held = Promise.withResolvers<void>();
    gate = held.promise;
    return () => {
      gate = undefined;
      held.resolve();
    };
  };
  return {
    db,
    clock,
    route,
    guard,
    send,
    lines,
    notStored,
    dropped,
    store,
    hold,
    written: () => written,
    submitted: () => submitted,
  };
}

const storedKeys = (db: Database) =>
  (db.query("SELECT count(*) AS n FROM ingest_idempotency").get() as { n: number }).n;

describe("StoredIdempotencyGuard", () => {
  // p3ingest: the key was stored under the connector created again, which then replayed it.
  test("a request whose connector was deleted and created again under its name meanwhile stores no key", async () => {
    await using dir = await tempDir("idempotency-");
    const g = gateway(dir.path);
    const release = g.hold();
    const inFlight = g.send("k1");
    await waitFor(() => g.submitted() === 1, { what: "the request in flight" });
    g.store.connectorDeleted("c"); // deleted …
    g.store.connectorCreated("c"); // … and created again
    release();
    expect((await inFlight).status).toBe(200);
    expect(storedKeys(g.db)).toBe(0);
    const again = await g.send("k1");
    expect([again.status, again.replayed, storedKeys(g.db)]).toEqual([200, null, 1]);
    // The new connector's key answers its retry (review-p3ingest P2-2: hidden by a clock mismatch).
    const retry = await g.send("k1");
    expect([retry.status, retry.replayed, g.written()]).toEqual([200, "true", 2]);
    g.db.close();
  });

  // explore23 F3: another request with a key in flight was 409 "retry later", which its client followed for ever.
  test("while a request with the key is in flight, the same request is 409 and another is 422; once answered, the first is replayed", async () => {
    await using dir = await tempDir("idempotency-");
    const g = gateway(dir.path);
    const release = g.hold();
    const inFlight = g.send("k1", '{"n":1}');
    await waitFor(() => g.submitted() === 1, { what: "the request in flight" });
    const same = await g.send("k1", '{"n":1}');
    const other = await g.send("k1", '{"n":2}');
    expect([same.status, JSON.parse(same.body).message]).toEqual([
      409,
      "A request with this Idempotency-Key is still being processed; retry later",
    ]);
    expect([other.status, JSON.parse(other.body).message]).toEqual([
      422,
      "This Idempotency-Key was already used with a different request; use a new key for new data",
    ]);
    release();
    const first = await inFlight;
    expect(await g.send("k1", '{"n":1}')).toEqual({ ...first, replayed: "true" });
    expect(g.written()).toBe(1);
    g.db.close();
  });

  describe("durability of a stored key (gateway.db commits at synchronous=NORMAL)", () => {
    test("the answer waits until the key is durable: the WAL is fsync'ed after its row was written", async () => {
      await using dir = await tempDir("idempotency-");
      const events: string[] = [];
      const synced = Promise.withResolvers<void>();
      const g = gateway(dir.path, passThroughStages, {}, () => {
        events.push(`sync with ${storedKeys(g.db)} key(s) stored`);
        return synced.promise;
      });
      const answered = g.send("k1").then((r) => events.push(`answered ${r.status}`));
      await waitFor(() => events.length > 0, { what: "the sync or the answer" });
      expect(events).toEqual(["sync with 1 key(s) stored"]);
      synced.resolve();
      await answered;
      expect(events).toEqual(["sync with 1 key(s) stored", "answered 200"]);
      expect((await g.send("k1")).replayed).toBe("true");
      g.db.close();
    });

    test("a failed fsync: the answer stands, counted and warned as a key not stored", async () => {
      await using dir = await tempDir("idempotency-");
      const g = gateway(dir.path, passThroughStages, {}, () => Promise.reject(new Error("EIO: i/o error, fsync")));
      expect((await g.send("k1")).status).toBe(200);
      expect(g.notStored()).toEqual([{ labels: { connector: "c" }, value: 1 }]);
      expect(g.lines.filter((l) => l.includes("Could not store the Idempotency-Key"))).toEqual([
        expect.stringContaining("EIO: i/o error, fsync"),
      ]);
      g.db.close();
    });
  });

  describe("when the key cannot be stored (the database is full)", () => {
    test("answers what Kafka acknowledged (not 500), warns once per episode without the key, and counts each request", async () => {
      await using dir = await tempDir("idempotency-");
      const g = gateway(dir.path);
      makeFull(g.db);
      const key = `device-7-${"k".repeat(240)}`;
      const first = await g.send(key, '{"n":1}');
      expect(first.status).toBe(200);
      expect(first.replayed).toBeNull();
      expect(JSON.parse(first.body)).toEqual({ topic: "t", offsets: [{ partition: 0, offset: 0, timestamp: 1 }] });
      expect((await g.send(`${key.slice(0, -2)}-2`, '{"n":2}')).status).toBe(200);
      const warnings = g.lines.filter((l) => l.includes("Could not store the Idempotency-Key"));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain("WARN");
      expect(warnings[0]).toContain("database or disk is full");
      expect(warnings[0]).toContain("/ingest/t (connector c)");
      expect(warnings[0]).toContain("answered as usual (200), but a retry with the same key is handled again");
      expect(warnings[0]).not.toContain("device-7");
      expect(g.notStored()).toEqual([{ labels: { connector: "c" }, value: 2 }]);
      expect(g.db.query("SELECT count(*) AS n FROM ingest_idempotency WHERE connector = 'c'").get()).toEqual({ n: 0 });
      // Not remembered: the same key is handled again (a retry duplicates, which the WARN says).
      expect((await g.send(key, '{"n":1}')).replayed).toBeNull();
      expect(g.written()).toBe(3);
      g.db.close();
    });

    test("expired keys are pruned to make room for a new one (the file cannot grow)", async () => {
      await using dir = await tempDir("idempotency-");
      const g = gateway(dir.path);
      for (let i = 0; i < 300; i++) expect((await g.send(`key-${i}-${"k".repeat(200)}`)).status).toBe(200);
      makeFull(g.db);
      g.clock.advance(120_000); // every key of `c` is past its window and past the prune interval
      for (let i = 0; i < 3; i++) expect((await g.send(`new-${i}-${"k".repeat(240)}`)).status).toBe(200);
      expect(g.notStored()).toEqual([]);
      const expired = g.db
        .query("SELECT count(*) AS n FROM ingest_idempotency WHERE connector = 'c' AND expires_at <= ?")
        .get(g.clock.now());
      expect(expired).toEqual({ n: 0 });
      g.db.close();
    });

    test("a key that was stored is not reported as not stored when the prune after it fails", async () => {
      await using dir = await tempDir("idempotency-");
      const g = gateway(dir.path);
      // A DELETE that needs room (as one needing WAL room on a full disk): the prune fails.
      g.db.run("CREATE TABLE ballast (x BLOB)");
      g.db.run(
        "CREATE TRIGGER prune_needs_room BEFORE DELETE ON ingest_idempotency BEGIN INSERT INTO ballast VALUES (zeroblob(100000)); END",
      );
      g.db.run(
        "INSERT INTO ingest_idempotency (connector, idempotency_key, request_hash, status, content_type, body, created_at, expires_at) VALUES ('c', 'old', '', 200, '', x'', 0, 1)",
      );
      const { page_count } = g.db.query("PRAGMA page_count").get() as { page_count: number };
      g.db.run(`PRAGMA max_page_count = ${page_count + 2}`);
      expect((await g.send("k1")).status).toBe(200);
      expect(g.db.query("SELECT count(*) AS n FROM ingest_idempotency WHERE idempotency_key = 'k1'").get()).toEqual({
        n: 1,
      });
      expect(g.lines.some((l) => l.includes("Could not store the Idempotency-Key"))).toBe(false);
      expect(g.notStored()).toEqual([]);
      expect((await g.send("k1")).replayed).toBe("true");
      g.db.close();
    });

    test("once there is room again, keys are stored (an INFO says so) and a retry is replayed", async () => {
      await using dir = await tempDir("idempotency-");
      const g = gateway(dir.path);
      makeFull(g.db);
      const key = "k".repeat(250);
      expect((await g.send(`a${key}`, '{"n":1}')).status).toBe(200);
      g.db.run("PRAGMA max_page_count = 1000000");
      const body = '{"n":3}';
      expect((await g.send(`b${key}`, body)).status).toBe(200);
      expect(g.lines.filter((l) => l.includes("Idempotency-Keys of ingest requests are stored again"))).toHaveLength(1);
      const retry = await g.send(`b${key}`, body);
      expect([retry.status, retry.replayed]).toEqual([200, "true"]);
      expect(g.written()).toBe(2);
      g.db.close();
    });
  });

  // Review idemlate-b 4: the WARN of a held key said "answered as usual (200)", although its client got a 500.
  test.each([
    ["the database is full", makeFull, undefined],
    ["its answer is larger than ingest.idempotency.max.bytes", () => undefined, 10],
  ])(
    "a held key whose late answer cannot be stored (%s): the WARN says the request was answered that its records may still be written",
    async (_why, prepare, maxBytes) => {
      await using dir = await tempDir("idempotency-");
      const g = gateway(dir.path, passThroughStages, {}, undefined, maxBytes);
      prepare(g.db);
      const body = new TextEncoder().encode('{"n":1}');
      const request = post(body, "application/json");
      const target = { connector: "c", path: "/ingest/t", topic: "t", shape: "native" } as const;
      expect(await g.guard.begin(g.route, target, "k1", request, body, ANONYMOUS)).toBeUndefined();
      g.guard.hold(g.route, "k1", Promise.resolve(new Response("{}", { status: 200 })), ANONYMOUS);
      const warnings = () => g.lines.filter((l) => l.includes("Could not store the Idempotency-Key"));
      await waitFor(() => warnings().length > 0, { what: "the WARN of the key not stored" });
      expect(warnings()).toEqual([
        expect.stringContaining(
          "The request was answered that its records may still be written (Kafka acknowledged them since: the answer to keep was 200), but a retry with the same key is handled again: records it wrote are written again",
        ),
      ]);
      expect(warnings()[0]).not.toContain("answered as usual");
      expect(g.notStored()).toEqual([{ labels: { connector: "c" }, value: 1 }]);
      g.db.close();
    },
  );

  // explore5 E3: each key keeps its whole answer, and nothing bounded them.
  describe("when the keys would pass ingest.idempotency.max.bytes", () => {
    test("the keys that expire first are deleted first, counted, and WARNed about at most once a minute; a retry with one writes again", async () => {
      await using dir = await tempDir("idempotency-");
      const probe = gateway(dir.path);
      await probe.send("k0");
      const one = probe.store.usage().bytes; // one key of a one-record answer (offsets of one digit)
      probe.db.close();
      await using capped = await tempDir("idempotency-");
      const g = gateway(
        capped.path,
        passThroughStages,
        { "ingest.idempotency.window.ms": "600000" },
        undefined,
        3 * one,
      );
      for (const key of ["k1", "k2", "k3", "k4", "k5"]) expect((await g.send(key)).status).toBe(200);
      expect(g.dropped()).toEqual([{ labels: {}, value: 2 }]);
      const warnings = () => g.lines.filter((l) => l.includes("before their ingest.idempotency.window.ms ended"));
      expect(warnings()).toEqual([
        expect.stringContaining(
          `WARN Deleted 1 Idempotency-Key(s) before their ingest.idempotency.window.ms ended, those that expire first, to keep the stored keys under ingest.idempotency.max.bytes=${3 * one} (3 keys in ${3 * one} bytes kept)`,
        ),
      ]);
      g.clock.advance(60_000);
      expect((await g.send("k6")).status).toBe(200);
      expect(warnings()).toHaveLength(2);
      expect(warnings()[1]).toContain("(and 1 more like it in the last 60 s, not logged)");
      expect(g.dropped()).toEqual([{ labels: {}, value: 3 }]);
      // k1 was deleted early: its retry is handled again; k6 is kept and replayed.
      expect((await g.send("k1")).replayed).toBeNull();
      expect((await g.send("k6")).replayed).toBe("true");
      expect(g.written()).toBe(7);
      expect(g.store.usage()).toEqual({ keys: 3, bytes: 3 * one });
      g.db.close();
    });
    test("an answer larger than the cap by itself is WARNed about once a minute, not once per request with an INFO after", async () => {
      await using dir = await tempDir("idempotency-");
      const g = gateway(dir.path, passThroughStages, {}, undefined, 1500);
      const big = JSON.stringify(Array.from({ length: 40 }, (_, n) => ({ n })));
      for (let i = 0; i < 5; i++) {
        expect((await g.send(`big${i}`, big)).status).toBe(200);
        expect((await g.send(`small${i}`)).status).toBe(200);
      }
      const said = () => g.lines.filter((l) => l.includes("Idempotency-Key"));
      expect(said()).toEqual([
        expect.stringMatching(
          /WARN Could not store the Idempotency-Key of a request to \/ingest\/t \(connector c\): its answer takes \d+ bytes, more than ingest.idempotency.max.bytes=1500/,
        ),
      ]);
      expect(g.notStored()).toEqual([{ labels: { connector: "c" }, value: 5 }]);
      g.clock.advance(60_000);
      expect((await g.send("big5", big)).status).toBe(200);
      expect(said()).toHaveLength(2);
      expect(said()[1]).toContain("(and 4 more like it in the last 60 s, not logged)");
      g.db.close();
    });
  });

  // Security review 2026-12-01, P2.6: a key was shared by every identity of a connector.
  describe("when two identities use the same key", () => {
    /** Authenticates the device named by X-Device (as a token would), anonymous without it. */
    const byDevice: IngestStages = {
      ...passThroughStages,
      authenticate: (context) => {
        const device = context.request.headers.get("x-device");
        return device ? { principal: device, source: "jwt", attributes: {} } : passThroughStages.authenticate(context);
      },
    };

    test("each writes its records and gets its own answer; each one's retry replays its own", async () => {
      await using dir = await tempDir("idempotency-");
      const g = gateway(dir.path, byDevice);
      const a = await g.send("k", '{"n":1}', { "X-Device": "dev-a" });
      const b = await g.send("k", '{"n":1}', { "X-Device": "dev-b" });
      const other = await g.send("k", '{"n":2}', { "X-Device": "dev-c" });
      expect([a.status, a.replayed, b.status, b.replayed, other.status]).toEqual([200, null, 200, null, 200]);
      expect(g.written()).toBe(3);
      expect(JSON.parse(b.body).offsets[0].offset).toBe(1);
      const retryA = await g.send("k", '{"n":1}', { "X-Device": "dev-a" });
      const retryB = await g.send("k", '{"n":1}', { "X-Device": "dev-b" });
      expect([retryA.replayed, retryA.body, retryB.replayed, retryB.body]).toEqual(["true", a.body, "true", b.body]);
      expect(g.written()).toBe(3);
      g.db.close();
    });

    test("anonymous requests share one scope, as before", async () => {
      await using dir = await tempDir("idempotency-");
      const g = gateway(dir.path, byDevice);
      expect((await g.send("k")).replayed).toBeNull();
      expect((await g.send("k")).replayed).toBe("true");
      expect((await g.send("k", '{"n":1}', { "X-Device": "dev-a" })).replayed).toBeNull();
      expect(g.written()).toBe(2);
      g.db.close();
    });

    test("a mapped header with another value is another request (422), not a replay", async () => {
      await using dir = await tempDir("idempotency-");
      const g = gateway(dir.path, byDevice, { "ingest.headers.allowlist": "X-Site" });
      expect((await g.send("k", '{"n":1}', { "X-Site": "north" })).status).toBe(200);
      expect((await g.send("k", '{"n":1}', { "X-Site": "south" })).status).toBe(422);
      expect((await g.send("k", '{"n":1}', { "X-Site": "north" })).replayed).toBe("true");
      g.db.close();
    });
  });
});

describe("a key stored by a gateway before mapped header values were hashed (gateway.db schema 2, migrated by 3)", () => {
  /** The row such a gateway left: anonymous scope, its hash of method, path, content type and body only. */
  function storeOldKey(db: Database, key: string, body: string): void {
    db.query(
      `INSERT INTO ingest_idempotency (connector, principal, idempotency_key, request_hash, status, content_type, body, created_at, expires_at)
       VALUES ('c', '', ?, ?, 200, 'application/json', ?, 0, 9e15)`,
    ).run(
      key,
      requestHash(post(body, "application/json"), new TextEncoder().encode(body)),
      new TextEncoder().encode('{"original":true}'),
    );
  }

  test("replays its answer to the same request on a route that maps a header (was 422 after an upgrade)", async () => {
    await using dir = await tempDir("idempotency-");
    const g = gateway(dir.path, passThroughStages, { "ingest.key.source": "header" });
    storeOldKey(g.db, "k", '{"n":1}');
    const replay = await g.send("k", '{"n":1}', { "X-Kafka-Key": "device-1" });
    expect(replay).toEqual({ status: 200, replayed: "true", body: '{"original":true}' });
    expect((await g.send("k", '{"n":2}', { "X-Kafka-Key": "device-1" })).status).toBe(422);
    expect(g.written()).toBe(0);
    g.db.close();
  });
});

describe("one trailing slash (ingestp4-b: it made another request, 422 after the first)", () => {
  const V3 = '{"value":{"type":"JSON","data":1}}';
  test.each([
    ["/v3/clusters/k/topics/t/records", "/v3/clusters/k/topics/t/records/"],
    ["/v3/clusters/k/topics/t/records/", "/v3/clusters/k/topics/t/records"],
    ["/ingest/t", "/ingest/t/"],
    ["/ingest/t/", "/ingest/t"],
  ])("a retry of POST %s to %s with the same key and body replays the first answer", async (first, retry) => {
    await using dir = await tempDir("idempotency-");
    const g = gateway(dir.path, passThroughStages, { "ingest.rest.proxy.enable": "true" });
    const answer = await g.send("k", V3, {}, first);
    expect({ answer, replay: await g.send("k", V3, {}, retry), written: g.written() }).toEqual({
      answer: { ...answer, replayed: null },
      replay: { ...answer, replayed: "true" },
      written: 1,
    });
    expect(answer.status).toBe(200);
    g.db.close();
  });

  test("a key stored with the slash in its hash (a connector's own path was served with one) is replayed", async () => {
    await using dir = await tempDir("idempotency-");
    const g = gateway(dir.path);
    const body = '{"n":1}';
    const sent = new Request("http://gateway/ingest/t/", post(body, "application/json"));
    g.db
      .query(
        `INSERT INTO ingest_idempotency (connector, principal, idempotency_key, request_hash, status, content_type, body, created_at, expires_at)
         VALUES ('c', '', 'k', ?, 200, 'application/json', ?, 0, 9e15)`,
      )
      .run(
        requestHash(sent, new TextEncoder().encode(body), "", [], "/ingest/t/"),
        new TextEncoder().encode('{"original":true}'),
      );
    expect(await g.send("k", body, {}, "/ingest/t/")).toEqual({
      status: 200,
      replayed: "true",
      body: '{"original":true}',
    });
    expect(g.written()).toBe(0);
    g.db.close();
  });
});

describe("requestHash", () => {
  const body = new TextEncoder().encode('{"a":1}');
  const like = (url: string) =>
    ({ method: "POST", url, headers: new Headers({ "content-type": "application/json" }) }) as Request;

  test("the path counts, not the host; a URL Bun built from an odd Host (which `new URL` refuses) hashes by its path", () => {
    const plain = requestHash(
      new Request("http://gateway:8080/ingest/a?x=1", { method: "POST", headers: like("").headers }),
      body,
    );
    expect(requestHash(like("http://[/ingest/a?x=1"), body)).toBe(plain);
    expect(requestHash(like("http://:::/ingest/a#f"), body)).toBe(plain);
    expect(requestHash(like("http://[/ingest/b"), body)).not.toBe(plain);
  });
});
