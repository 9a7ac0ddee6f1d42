/**
 * kill -9 in the middle of a paginated poll (run with GATEWAY_BIN for the compiled binary): the
 * restarted gateway resumes the poll at the page of the last acknowledged record (not at page 1),
 * skips what Kafka already has, and delivers every record: none lost, none repeated beyond what was
 * in flight (here nothing: the kill comes once the last delivered record's offset is committed).
 * The stored offset keeps the page's link without the key http.url carries (review P2.6).
 */
import { describe, expect, test } from "bun:test";
import { type Gateway, startGateway } from "./support/gateway.ts";
import { startApi } from "./support/http-api.ts";
import { kafkaBroker, readAll, readTopic, uniqueTopic, valueIds } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const PAGES = 20;
const PER_PAGE = 50;
const HELD_PAGE = 12;

describe("HTTP source after kill -9", () => {
  test("resumes mid-poll from the last acknowledged record: no loss, no duplicates", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    let hold = true;
    using api = startApi(async (req) => {
      const page = Number(req.url.searchParams.get("page") ?? "1");
      // The first gateway never gets this page: it is killed while waiting for it.
      if (page === HELD_PAGE && hold) return new Promise<Response>(() => undefined);
      const records = Array.from({ length: PER_PAGE }, (_, i) => ({
        id: (page - 1) * PER_PAGE + i,
        pad: "x".repeat(200),
      }));
      // The API echoes the key of http.url in its links, as many do: never stored in an offset.
      const key = req.url.searchParams.get("api_key");
      const link = page < PAGES ? `</items?api_key=${key}&page=${page + 1}>; rel="next"` : "";
      return Response.json(records, { headers: link ? { link } : {} });
    });
    const topic = uniqueTopic("crash");
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
      name: "crash-source",
      config: {
        "connector.class": "HttpSource",
        "http.url": `${api.base}/items?api_key=crash-key-1`,
        "kafka.topic": topic,
        "http.timer.interval.ms": "3600000",
        "http.response.records.path": "$[*]",
        "http.pagination.type": "LINK_HEADER",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "false",
      },
    });
    expect(created.status).toBe(201);
    const heldUrl = `${api.base}/items?api_key=crash-key-1&page=${HELD_PAGE}`;
    await waitFor(() => api.seen.some((s) => s.url.toString() === heldUrl), { what: "the held page requested" });
    const committed = await waitFor(
      async () => {
        const offset = (await gw.rest.get("/connectors/crash-source/offsets")).body.offsets?.[0]?.offset;
        return offset?.page_link === `?page=${HELD_PAGE - 1}` && offset.skip === PER_PAGE ? offset : undefined;
      },
      { what: "the last record before the held page committed" },
    );
    expect(committed.offset).toBe("");
    expect(committed.page_link_params).toEqual(["api_key"]);
    expect(JSON.stringify((await gw.rest.get("/connectors/crash-source/offsets")).body)).not.toContain("crash-key-1");
    await gw.kill();

    hold = false;
    const before = api.seen.length;
    gw = await startGateway(options);
    const all = await readTopic(topic, PAGES * PER_PAGE, 60_000);
    expect(api.seen[before]!.url.searchParams.get("page")).toBe(String(HELD_PAGE - 1));
    expect(api.seen[before]!.url.searchParams.get("api_key")).toBe("crash-key-1");
    await waitFor(
      async () => {
        const offset = (await gw.rest.get("/connectors/crash-source/offsets")).body.offsets?.[0]?.offset;
        return offset && !("skip" in offset);
      },
      { what: "the poll's final offset committed" },
    );
    const ids = valueIds(await readAll(topic));
    expect(ids).toEqual(Array.from({ length: PAGES * PER_PAGE }, (_, i) => i));
    expect(all.length).toBe(PAGES * PER_PAGE);
    expect(await gw.stop()).toBe(0);
  });
});
