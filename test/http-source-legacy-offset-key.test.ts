/**
 * An HTTP source upgraded over three partition key versions (offset-key.ts): its http.url holds an
 * `@` in the query, which v0's masking took for the end of a user info, a `code` parameter, which
 * v1 showed and v2 hides, and a URL percent-encoded in a parameter with a token, which v2 showed and
 * v3 hides (v4, current, keys it as v3). Offsets stored under the three old keys, in the data dir's SQLite file as
 * earlier versions left them: the restarted source continues from the newest (v2's, not
 * http.initial.offset: records delivered again), and its first commit writes it under the current
 * key and removes the old entries (offset-key-migration.ts), from the store and GET …/offsets. An
 * http.url edited afterwards to another URL that had the same v0 key starts from
 * http.initial.offset: the old entry is gone. And one whose http.url holds a scheme-less
 * `user:password@host` in a parameter's value, which v3 kept and v4 (current) hides: its offset
 * under v3's key is continued from and moved to v4's.
 */
import { describe, expect, test } from "bun:test";
import { offsetKeyV0 } from "../src/connectors/http-source/offset-key-v0.ts";
import { offsetKeyV1 } from "../src/connectors/http-source/offset-key-v1.ts";
import { offsetKeyV2 } from "../src/connectors/http-source/offset-key-v2.ts";
import { offsetKeyV3 } from "../src/connectors/http-source/offset-key-v3.ts";
import { openDatabase } from "../src/store/database.ts";
import { OffsetStore } from "../src/store/offset-store.ts";
import { startGateway } from "./support/gateway.ts";
import { startApi } from "./support/http-api.ts";
import { kafkaBroker, readTopic, uniqueTopic, valueIds } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const T = (minute: number) => `2026-01-01T00:${String(minute).padStart(2, "0")}:00Z`;

interface OffsetEntry {
  readonly partition: { readonly url: string };
  readonly offset: { readonly offset: string };
}

const sourceConfig = (httpUrl: string, topic: string) => ({
  "connector.class": "HttpSource",
  "http.url": httpUrl,
  "kafka.topic": topic,
  "http.timer.interval.ms": "60000",
  "http.response.records.path": "$[*]",
  "http.offset.mode": "TIMESTAMP",
  "http.offset.field": "at",
  "http.initial.offset": T(0),
  "value.converter": "org.apache.kafka.connect.json.JsonConverter",
  "value.converter.schemas.enable": "false",
});

describe("HTTP source with offsets stored under earlier versions' partition keys", () => {
  test("continues from the newest, commits it under the current key, and removes the old entries", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    const events = [1, 2, 3, 4].map((m) => ({ id: `e${m}`, at: T(m) }));
    using api = startApi((req) => {
      const since = req.url.searchParams.get("since") ?? "";
      return Response.json(events.filter((e) => Date.parse(e.at) > Date.parse(since)));
    });
    const next = "next=https%3A%2F%2Fh%2Fcb%3Ftoken%3D";
    const url = `${api.base}/events?email=ops@example.com&code=s3cret&${next}s3cret&since=\${offset}`;
    const currentKey = `${api.base}/events?email=ops@example.com&code=***&${next}***&since=\${offset}`;
    const v2Key = offsetKeyV2(url);
    const v1Key = offsetKeyV1(url);
    const v0Key = offsetKeyV0(url);
    expect(v2Key).toBe(`${api.base}/events?email=ops@example.com&code=***&${next}s3cret&since=\${offset}`);
    expect(v1Key).toBe(url);
    expect(v0Key).toBe(`http://***@example.com&code=s3cret&${next}s3cret&since=\${offset}`);
    const db = openDatabase(dir.file("data"));
    new OffsetStore(db).write("legacy-source", [
      { partition: { url: v0Key }, offset: { offset: T(1) } },
      { partition: { url: v1Key }, offset: { offset: T(1) } },
      { partition: { url: v2Key }, offset: { offset: T(2) } },
    ]);
    db.close();

    const topic = uniqueTopic("legacy-key");
    await using gw = await startGateway({
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data"), "offset.flush.interval.ms": "100" },
    });
    const config = (httpUrl: string) => sourceConfig(httpUrl, topic);
    const created = await gw.rest.post("/connectors", { name: "legacy-source", config: config(url) });
    expect(created.status).toBe(201);
    const got = await readTopic(topic, 2, 60_000);
    expect(valueIds<string>(got)).toEqual(["e3", "e4"]);
    expect(api.seen[0]!.url.searchParams.get("since")).toBe(T(2));
    const offsets = async (): Promise<OffsetEntry[]> =>
      (await gw.rest.get("/connectors/legacy-source/offsets")).body.offsets ?? [];
    await waitFor(async () => (await offsets()).some((o) => o.offset.offset === T(4)), {
      what: "the offset of the last record committed",
    });
    // The first commit carried the migrated offset and the tombstones: only the current key is listed.
    expect(await offsets()).toEqual([
      { partition: { url: currentKey }, offset: expect.objectContaining({ offset: T(4) }) },
    ]);

    // Another URL whose v0 key was this one's: nothing of the removed entry is continued from.
    const other = `${api.base}/other?email=ops@example.com&code=s3cret&${next}s3cret&since=\${offset}`;
    expect(offsetKeyV0(other)).toBe(v0Key);
    const edited = await gw.rest.put("/connectors/legacy-source/config", config(other));
    expect(edited.status).toBe(200);
    await waitFor(() => api.seen.some((s) => s.url.pathname === "/other"), { what: "a request for the edited URL" });
    expect(api.seen.find((s) => s.url.pathname === "/other")!.url.searchParams.get("since")).toBe(T(0));
    const all = await readTopic(topic, 6, 60_000);
    expect(valueIds<string>(all)).toEqual(["e3", "e4", "e1", "e2", "e3", "e4"]);
    expect(await gw.stop()).toBe(0);

    const stored = new OffsetStore(openDatabase(dir.file("data")))
      .all("legacy-source")
      .map((e) => String(e.partition.url));
    expect(stored).not.toContain(v0Key);
    expect(stored).not.toContain(v1Key);
    expect(stored).not.toContain(v2Key);
    expect(stored).toContain(currentKey);
    expect(stored.filter((key) => key.includes("s3cret"))).toEqual([]);
  }, 120_000);

  // Task mask4: v3 kept a scheme-less user:password@host in a parameter's value (plain or
  // percent-encoded) in the key, so Kafka's offsets and GET …/offsets showed the password.
  test("an offset under v3's key, which shows a scheme-less password, moves to v4's key", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    const events = [1, 2, 3].map((m) => ({ id: `e${m}`, at: T(m) }));
    using api = startApi((req) => {
      const since = req.url.searchParams.get("since") ?? "";
      return Response.json(events.filter((e) => Date.parse(e.at) > Date.parse(since)));
    });
    const query = "proxy=alice:s3cret@proxy:3128&url=svc%3As3cret%40proxy%3A3128&since=${offset}";
    const url = `${api.base}/events?${query}`;
    const v3Key = offsetKeyV3(url);
    expect(v3Key).toBe(url);
    const currentKey = `${api.base}/events?proxy=***@proxy:3128&url=***%40proxy%3A3128&since=\${offset}`;
    const db = openDatabase(dir.file("data"));
    new OffsetStore(db).write("proxied-source", [{ partition: { url: v3Key }, offset: { offset: T(1) } }]);
    db.close();

    const topic = uniqueTopic("v3-key");
    await using gw = await startGateway({
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data"), "offset.flush.interval.ms": "100" },
    });
    const created = await gw.rest.post("/connectors", { name: "proxied-source", config: sourceConfig(url, topic) });
    expect(created.status).toBe(201);
    const got = await readTopic(topic, 2, 60_000);
    expect(valueIds<string>(got)).toEqual(["e2", "e3"]);
    expect(api.seen[0]!.url.searchParams.get("since")).toBe(T(1));
    const offsets = async (): Promise<OffsetEntry[]> =>
      (await gw.rest.get("/connectors/proxied-source/offsets")).body.offsets ?? [];
    await waitFor(async () => (await offsets()).some((o) => o.offset.offset === T(3)), {
      what: "the offset of the last record committed",
    });
    expect(await offsets()).toEqual([
      { partition: { url: currentKey }, offset: expect.objectContaining({ offset: T(3) }) },
    ]);
    expect(await gw.stop()).toBe(0);

    const stored = new OffsetStore(openDatabase(dir.file("data")))
      .all("proxied-source")
      .map((e) => String(e.partition.url));
    expect(stored).toEqual([currentKey]);
  }, 120_000);
});
