/**
 * An HTTP source upgraded over the masking fix of URL user info (url-credentials.ts): its http.url
 * holds an `@` in the query, which the earlier masking took for the end of a user info, so its
 * partition was keyed `http://***@example.com&since=${offset}` and is keyed by the URL now. The
 * offset stored under the old key, in the data dir's SQLite file as the earlier version left it, is
 * where the restarted source continues (not http.initial.offset: records delivered again), and the
 * first commit writes it under the new key (legacy-offset-key.ts).
 */
import { describe, expect, test } from "bun:test";
import { legacyOffsetKey } from "../src/connectors/http-source/legacy-offset-key.ts";
import { openDatabase } from "../src/store/database.ts";
import { OffsetStore } from "../src/store/offset-store.ts";
import { startGateway } from "./support/gateway.ts";
import { startApi } from "./support/http-api.ts";
import { kafkaBroker, readTopic, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const T = (minute: number) => `2026-01-01T00:${String(minute).padStart(2, "0")}:00Z`;

describe("HTTP source with an offset stored under the earlier masking's partition key", () => {
  test("continues from that offset and commits it under the current key", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    const events = [1, 2, 3, 4].map((m) => ({ id: `e${m}`, at: T(m) }));
    using api = startApi((req) => {
      const since = req.url.searchParams.get("since") ?? "";
      return Response.json(events.filter((e) => since === "" || Date.parse(e.at) > Date.parse(since)));
    });
    const url = `${api.base}/events?email=ops@example.com&since=\${offset}`;
    const oldKey = legacyOffsetKey(url);
    expect(oldKey).toBe("http://***@example.com&since=${offset}");
    const db = openDatabase(dir.file("data"));
    new OffsetStore(db).write("legacy-source", [{ partition: { url: oldKey }, offset: { offset: T(2) } }]);
    db.close();

    const topic = uniqueTopic("legacy-key");
    await using gw = await startGateway({
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data"), "offset.flush.interval.ms": "100" },
    });
    const created = await gw.rest.post("/connectors", {
      name: "legacy-source",
      config: {
        "connector.class": "HttpSource",
        "http.url": url,
        "kafka.topic": topic,
        "http.timer.interval.ms": "60000",
        "http.response.records.path": "$[*]",
        "http.offset.mode": "TIMESTAMP",
        "http.offset.field": "at",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "false",
      },
    });
    expect(created.status).toBe(201);
    const got = await readTopic(topic, 2, 60_000);
    expect(got.map((r) => JSON.parse(r.value!.toString()).id)).toEqual(["e3", "e4"]);
    expect(api.seen[0]!.url.searchParams.get("since")).toBe(T(2));
    await waitFor(
      async () => {
        const offsets = (await gw.rest.get("/connectors/legacy-source/offsets")).body.offsets ?? [];
        return offsets.some(
          (o: { partition: { url: string }; offset: { offset: string } }) =>
            o.partition.url === url && o.offset.offset === T(4),
        );
      },
      { what: "the offset committed under the current key" },
    );
    expect(await gw.stop()).toBe(0);
  }, 120_000);
});
