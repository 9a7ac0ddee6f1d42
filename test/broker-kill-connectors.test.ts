/**
 * The broker dies hard (kill -9 of its JVM) twice while four connectors run, and comes back each
 * time on the same port and log dirs (the test's own broker): FileStreamSource and an HTTP source
 * polling a local API write to Kafka, FileStreamSink and the HTTP sink (to a local endpoint) read a
 * topic a test producer keeps writing. Connect's at-least-once contract is checked: at every kill
 * the source offsets stored so far and the sink groups' committed offsets cover only what is in
 * Kafka / what the sinks delivered; afterwards every line, every served record and every record of
 * the sink topic arrived at least once, and every task is RUNNING again without a restart. A fifth
 * connector (test/support/broker-kill-dlq.ts) has every poison record its group committed in its DLQ.
 */
import { describe, expect, test } from "bun:test";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { fileLines, quickProducer, sinkEndpoint } from "./support/broker-kill.ts";
import { POISONED, startPoisonFlow } from "./support/broker-kill-dlq.ts";
import { type Gateway, startGateway, taskState } from "./support/gateway.ts";
import { startApi } from "./support/http-api.ts";
import { createTopicsOn, uniqueTopic } from "./support/kafka.ts";
import { committedOffsets, readOwnTopic, startOwnBroker, topicEnd } from "./support/own-broker.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const LINES = 9_000;
const SERVED = 9_000;
const PRODUCED = 9_000;
const SINK_PARTITIONS = 3;
const SINK_GROUPS = ["connect-file-out", "connect-http-out"];
const JSON_VALUES = {
  "value.converter": "org.apache.kafka.connect.json.JsonConverter",
  "value.converter.schemas.enable": "false",
};

/** Line i (from 0) of the source file. */
const lineText = (i: number) => `line ${i}`;

describe("connectors across kill -9 of the broker", () => {
  test("nothing committed is lost, everything arrives, every task recovers on its own", async () => {
    await using dir = await tempDir("broker-kill-connectors-");
    await using kafka = await startOwnBroker(dir.file("kafka"));
    const fileTopic = uniqueTopic("bk-file");
    const apiTopic = uniqueTopic("bk-api");
    const sinkTopic = uniqueTopic("bk-sink");
    const poisonTopic = uniqueTopic("bk-poison");
    const admin = kafka.client().admin();
    await admin.connect();
    await createTopicsOn(admin, [
      { topic: fileTopic, numPartitions: 1 },
      { topic: apiTopic, numPartitions: 1 },
      { topic: sinkTopic, numPartitions: SINK_PARTITIONS },
      { topic: poisonTopic, numPartitions: 1 },
    ]);
    await admin.disconnect();

    // The sources' input grows on a timer: the file by lines, the API by records it serves.
    const input = dir.file("in.txt");
    const output = dir.file("out.txt");
    writeFileSync(input, "");
    // Each tick adds 5 lines, 5 records the API serves and 5 the sink topic may get: about 100 per
    // second each, up to a third of the input per kill round (`budget`, raised as each round starts),
    // so every source and sink has input to move on before each kill however long the broker's
    // restarts take (on loaded cores the input ran out before the second kill: "file-in" stalled);
    // the rest comes at once afterwards.
    let budget = 0;
    let written = 0;
    let available = 0;
    let tick = Promise.withResolvers<void>();
    const feed = setInterval(() => {
      if (written < budget) {
        const n = Math.min(5, budget - written);
        appendFileSync(input, Array.from({ length: n }, (_, i) => `${lineText(written + i)}\n`).join(""));
        written += n;
      }
      available = Math.min(budget, available + 5);
      tick.resolve();
      tick = Promise.withResolvers<void>();
    }, 50);
    using api = startApi((req) => {
      const after = Number(req.url.searchParams.get("after") ?? "0");
      const ids = Array.from({ length: Math.max(0, Math.min(200, available - after)) }, (_, i) => after + 1 + i);
      return Response.json(ids.map((id) => ({ id })));
    });
    using endpoint = sinkEndpoint();

    // The sink topic's writer: a kafkajs producer that keeps sending through the outages.
    let produced = 0;
    let producing = true;
    const producer = await quickProducer(kafka, "broker-kill-writer");
    let allowed = 0;
    const writer = (async () => {
      while (producing && produced < PRODUCED) {
        if (produced >= allowed) {
          await tick.promise;
          allowed = Math.min(budget, allowed + 5);
          continue;
        }
        const values = Array.from({ length: Math.min(200, allowed - produced) }, (_, i) =>
          JSON.stringify({ s: produced + i }),
        );
        try {
          await producer.send({ topic: sinkTopic, acks: -1, messages: values.map((value) => ({ value })) });
          produced += values.length;
        } catch {
          // the broker is gone: the same values again, after a backoff (failing at once, a send loop
          // would spin in microtasks and starve every timer)
          await new Promise((retry) => setTimeout(retry, 50));
        }
      }
    })();

    await using gw = await startGateway({
      dir: dir.path,
      worker: {
        "bootstrap.servers": kafka.bootstrap,
        "data.dir": dir.file("data"),
        "offset.flush.interval.ms": "200",
        "request.timeout.ms": "2000",
        "socket.connection.setup.timeout.ms": "2000",
        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
        "key.converter": "org.apache.kafka.connect.storage.StringConverter",
      },
    });
    const connectors: Record<string, Record<string, string>> = {
      "file-in": { "connector.class": "FileStreamSource", file: input, topic: fileTopic, "batch.size": "50" },
      "api-in": {
        "connector.class": "HttpSource",
        "http.url": `${api.base}/items?after=\${offset}`,
        "kafka.topic": apiTopic,
        "http.timer.interval.ms": "50",
        "http.response.records.path": "$[*]",
        "http.offset.mode": "CURSOR",
        "http.offset.field": "id",
        "http.initial.offset": "0",
        ...JSON_VALUES,
      },
      "file-out": { "connector.class": "FileStreamSink", file: output, topics: sinkTopic },
      "http-out": {
        "connector.class": "HttpSink",
        topics: sinkTopic,
        url: endpoint.url,
        "sink.batch.max-size": "50",
        "http.sink.request.batch.size": "50",
        "sink.flush-buffer.timeout": "20",
        ...JSON_VALUES,
      },
    };
    const poison = await startPoisonFlow(kafka, poisonTopic, dir.file("poison-out.txt"), () => tick.promise);
    connectors[POISONED] = poison.config;
    for (const [name, config] of Object.entries(connectors))
      expect((await gw.rest.post("/connectors", { name, config })).status).toBe(201);
    const storedOffsets = async (gateway: Gateway) => {
      const of = async (name: string) =>
        (await gateway.rest.get(`/connectors/${name}/offsets`)).body.offsets?.[0]?.offset;
      return {
        position: Number((await of("file-in"))?.position ?? 0),
        cursor: Number((await of("api-in"))?.offset ?? 0),
      };
    };
    const progress = async () => ({
      ...(await storedOffsets(gw)),
      fileOut: fileLines(output).length,
      httpOut: endpoint.delivered.size,
      dlq: await poison.dlqSize(),
    });

    /** The committed offsets of a sink group, summed over the sink topic's partitions. */
    const sinkCommits = async (group: string) =>
      [...(await committedOffsets(kafka, group, sinkTopic)).values()].reduce((a, b) => a + Math.max(0, b), 0);

    /** What the offsets stored by the sources and committed by the sinks claim holds at this moment. */
    const checkCommitted = async (stored: { position: number; cursor: number }, when: string) => {
      // FileStreamSource: every line that ends at or before the stored position is in the topic.
      const inFileTopic = new Set((await readOwnTopic(kafka, fileTopic)).map((r) => r.value));
      let end = 0;
      const missingLines: string[] = [];
      for (let i = 0; end + lineText(i).length + 1 <= stored.position; i++) {
        end += lineText(i).length + 1;
        if (!inFileTopic.has(lineText(i))) missingLines.push(lineText(i));
      }
      // HTTP source: every id up to the stored cursor is in the topic.
      const inApiTopic = new Set(
        (await readOwnTopic(kafka, apiTopic)).map((r) => (JSON.parse(r.value) as { id: number }).id),
      );
      const missingIds = Array.from({ length: stored.cursor }, (_, i) => i + 1).filter((id) => !inApiTopic.has(id));
      // Sinks: every record below the group's committed offset was written / delivered (the
      // commits are read first: the file and the endpoint only grow afterwards).
      const commits = new Map(
        await Promise.all(SINK_GROUPS.map(async (g) => [g, await committedOffsets(kafka, g, sinkTopic)] as const)),
      );
      const sinkRecords = await readOwnTopic(kafka, sinkTopic);
      const sinkMissing = (group: string, has: (value: string) => boolean) =>
        sinkRecords
          .filter((r) => r.offset < (commits.get(group)!.get(r.partition) ?? -1) && !has(r.value))
          .map((r) => `${r.partition}/${r.offset}`)
          .slice(0, 5);
      const inFile = new Set(fileLines(output));
      const missing = {
        when,
        lines: missingLines.slice(0, 5),
        ids: missingIds.slice(0, 5),
        fileSink: sinkMissing("connect-file-out", (v) => inFile.has(v)),
        httpSink: sinkMissing("connect-http-out", (v) => endpoint.delivered.has(JSON.parse(v).s)),
      };
      expect(missing).toEqual({ when, lines: [], ids: [], fileSink: [], httpSink: [] });
    };

    const kills: string[] = [];
    const t0 = performance.now();
    try {
      for (let round = 1; round <= 2; round++) {
        budget = Math.round((round * LINES) / 3);
        const before = await progress();
        const stalled = async () => {
          const now = await progress();
          const moved = {
            "file-in": now.position > before.position,
            "api-in": now.cursor > before.cursor,
            "file-out": now.fileOut > before.fileOut,
            "http-out": now.httpOut > before.httpOut,
            [POISONED]: now.dlq > before.dlq && now.dlq >= 100,
          };
          return Object.keys(moved).filter((k) => !moved[k as keyof typeof moved]);
        };
        const waiting = performance.now();
        await waitFor(async () => (await stalled()).length === 0, {
          what: `every connector moving before kill ${round}`,
          timeoutMs: 60_000,
        }).catch(async (e) => {
          const states = await Promise.all(Object.keys(connectors).map(async (n) => [n, await taskState(gw, n)]));
          console.log(`stalled: ${await stalled()}; ${JSON.stringify(states)}\n${gw.output().slice(-6000)}`);
          throw e;
        });
        const commits = await Promise.all(SINK_GROUPS.map(sinkCommits));
        const poisoned = poison.produced;
        await kafka.kill();
        // What was stored before the broker died must be in Kafka (checked once it is back).
        const stored = await storedOffsets(gw);
        const s = Math.round(performance.now() - t0) / 1000;
        const movingAfterMs = Math.round(performance.now() - waiting);
        kills.push(JSON.stringify({ movingAfterMs, round, s, ...stored, produced, written, commits, poisoned }));
        await kafka.restart();
        if (round === 1) {
          // A flapping broker: it dies again as soon as it is back, while the clients reconnect.
          await kafka.kill();
          await kafka.restart();
        }
        await checkCommitted(stored, `after kill ${round}`);
        // Poison records keep coming before, during (the writer retries) and after the outage.
        await waitFor(() => poison.produced >= poisoned + 300, { what: "poison after the restart", timeoutMs: 60_000 });
      }
    } catch (e) {
      producing = false;
      await poison.stop();
      throw e;
    } finally {
      clearInterval(feed);
      budget = LINES;
      allowed = PRODUCED;
      tick.resolve();
    }
    await writer;
    await producer.disconnect();
    await poison.finish();
    // The rest of the input, now that the broker is back for good.
    appendFileSync(input, Array.from({ length: LINES - written }, (_, i) => `${lineText(written + i)}\n`).join(""));
    available = SERVED;
    const catchUp = performance.now();

    // The tasks catch up on their own (cheap signals first: the stored offsets, the group commits).
    // The source offsets end where the input ends, the sink groups where the topic ends.
    await waitFor(
      async () => {
        const stored = await storedOffsets(gw);
        return stored.position === readFileSync(input).length && stored.cursor === SERVED && stored;
      },
      { what: "the source offsets at the end of the input", timeoutMs: 60_000 },
    );
    const sinkEnd = await topicEnd(kafka, sinkTopic);
    for (const group of SINK_GROUPS) {
      const what = `${group} committed to the end`;
      await waitFor(async () => (await sinkCommits(group)) === sinkEnd, { what, timeoutMs: 60_000 });
    }
    for (const name of Object.keys(connectors)) expect([name, await taskState(gw, name)]).toEqual([name, "RUNNING"]);
    const caughtUp = Math.round(performance.now() - catchUp);
    console.log(`broker kill -9 at ${kills.join(" ")}; caught up ${caughtUp} ms after the last restart`);

    // Everything arrived: every line and every served record in Kafka, every sink record delivered.
    const inFileTopic = (await readOwnTopic(kafka, fileTopic)).map((r) => r.value);
    const fileTopicValues = new Set(inFileTopic);
    expect(Array.from({ length: LINES }, (_, i) => lineText(i)).filter((l) => !fileTopicValues.has(l))).toEqual([]);
    const inApiTopic = (await readOwnTopic(kafka, apiTopic)).map((r) => (JSON.parse(r.value) as { id: number }).id);
    const apiIds = new Set(inApiTopic);
    expect(Array.from({ length: SERVED }, (_, i) => i + 1).filter((id) => !apiIds.has(id))).toEqual([]);
    const sinkValues = new Set((await readOwnTopic(kafka, sinkTopic)).map((r) => r.value));
    expect(sinkValues.size).toBeGreaterThanOrEqual(produced);
    const inFile = new Set(fileLines(output));
    expect([...sinkValues].filter((v) => !inFile.has(v))).toEqual([]);
    expect([...sinkValues].filter((v) => !endpoint.delivered.has(JSON.parse(v).s))).toEqual([]);
    const copies = {
      fileIn: inFileTopic.length - LINES,
      apiIn: inApiTopic.length - SERVED,
      fileOut: fileLines(output).length - sinkValues.size,
    };
    console.log(`broker kill -9: duplicates (at-least-once) ${JSON.stringify(copies)}`);
    await checkCommitted(await storedOffsets(gw), "at the end");
  }, 300_000);
});
