/**
 * A graceful restart of the gateway (run with GATEWAY_BIN for the compiled binary) on the same data
 * dir, HTTP source in TIMESTAMP mode with a key field, against an API that answers `since=` inclusively,
 * newest first, and pages by offset (its last page of a poll is empty): the restarted task asks from
 * the stored offset (`since=<newest timestamp>`), skips the records it delivered at that instant,
 * delivers the one added there meanwhile and the newer ones, each exactly once. Before the poll's
 * final offset was committed (SourceTask.updateOffsets), the restart ran the finished first poll
 * again from `since=` empty and delivered its older records twice.
 */
import { describe, expect, test } from "bun:test";
import { type Gateway, startGateway } from "./support/gateway.ts";
import { startApi } from "./support/http-api.ts";
import { kafkaBroker, readAll, readTopic, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const T = (minute: number) => `2026-01-01T00:${String(minute).padStart(2, "0")}:00Z`;

describe("HTTP source across a graceful restart", () => {
  test("TIMESTAMP with a key field resumes from the stored offset: the instant's new record once, nothing again", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    const events = [
      { id: "e1", at: T(1) },
      { id: "e2", at: T(2) },
      { id: "e3", at: T(3) },
      { id: "e4", at: T(3) },
    ];
    using api = startApi((req) => {
      const since = req.url.searchParams.get("since") ?? "";
      const offset = Number(req.url.searchParams.get("offset"));
      const limit = Number(req.url.searchParams.get("limit"));
      // Newest first, as GitHub's events and most feeds answer.
      const selected = events
        .filter((e) => since === "" || Date.parse(e.at) >= Date.parse(since))
        .sort((a, b) => Date.parse(b.at) - Date.parse(a.at) || b.id.localeCompare(a.id));
      return Response.json({ items: selected.slice(offset, offset + limit) });
    });
    const topic = uniqueTopic("restart");
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
      name: "restart-source",
      config: {
        "connector.class": "HttpSource",
        "http.url": `${api.base}/events?since=\${offset}`,
        "kafka.topic": topic,
        "http.timer.interval.ms": "500",
        "http.response.records.path": "$.items[*]",
        "http.pagination.type": "OFFSET",
        "http.pagination.limit.value": "2",
        "http.offset.mode": "TIMESTAMP",
        "http.offset.field": "at",
        "http.record.key.field": "id",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "false",
        "key.converter": "org.apache.kafka.connect.storage.StringConverter",
      },
    });
    expect(created.status).toBe(201);
    await readTopic(topic, 4, 60_000);
    // A later poll asks from the offset and skips e3 and e4, which it answers again.
    await waitFor(() => api.seen.filter((s) => s.url.searchParams.get("since") === T(3)).length >= 2, {
      what: "two polls from the stored offset",
    });
    expect(await gw.stop()).toBe(0);

    events.push({ id: "e5", at: T(3) }, { id: "e6", at: T(4) });
    const before = api.seen.length;
    gw = await startGateway(options);
    await waitFor(() => api.seen.filter((s) => s.url.searchParams.get("since") === T(4)).length >= 2, {
      what: "two polls from the new offset",
      timeoutMs: 60_000,
    });
    const got = (await readAll(topic)).map((r) => [r.key?.toString(), JSON.parse(r.value!.toString()).id]);
    expect(got).toEqual(["e4", "e3", "e2", "e1", "e6", "e5"].map((id) => [id, id]));
    expect(api.seen[before]!.url.searchParams.get("since")).toBe(T(3));
    // The poll's final offset is committed although its last page had no new record.
    await waitFor(
      async () => {
        const offset = (await gw.rest.get("/connectors/restart-source/offsets")).body.offsets?.[0]?.offset;
        return offset?.offset === T(4) && !("skip" in offset);
      },
      { what: "the final offset of the restart's poll committed" },
    );
    expect(await gw.stop()).toBe(0);
    // Two gateway starts and waits of up to 60 s each: more than CI's 60 s per test under load,
    // which would cut the test before a wait could say what it was waiting for.
  }, 180_000);
});
