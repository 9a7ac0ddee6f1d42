/**
 * The FileStream connectors (the compiled binary when GATEWAY_BIN is set, the real broker) while
 * they move records at full speed, stopped again and again: twice with kill -9, once with
 * SIGTERM, then run to the end. Per-record accounting, nothing timed:
 * - FileStreamSource → Kafka: after each kill the offset stored in gateway.db is a line boundary;
 *   in the end Kafka holds every line, and the topic (one partition) is a sequence of runs of
 *   consecutive lines where a new run starts only at an offset a kill left stored (a restart
 *   replays from its committed position and from nowhere else: stored offsets were never ahead of
 *   what Kafka had). After SIGTERM nothing is replayed: the graceful stop committed every line
 *   Kafka had acknowledged (Connect's final offset commit).
 * - Kafka → FileStreamSink: after each kill every record below the group's committed offset of its
 *   partition is in the file (commits never ran ahead of what was written); each gateway's share
 *   of the file starts, per partition, at or after what the previous one left committed, and no
 *   record ever comes before its predecessor (no gap); after SIGTERM the committed offsets are
 *   exactly what was written (Connect commits on close) and the next gateway starts there,
 *   repeating nothing. The lines come from a producer in the test that stays at most 10 000
 *   records ahead of the file, so every stop lands while records flow.
 * Lines map to Kafka offsets by value, which holds as each value is written once: the feeder is
 * idempotent, and so is the gateway's source producer (its default: acks=all, enable.idempotence),
 * whose retries the broker deduplicates; a batch fails for good only after delivery.timeout.ms
 * (120 s, beyond every wait here), so the only repeats in the source's topic are a restart's
 * replay from the line its kill left committed (at-least-once), which the runs account for.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { type Gateway, type GatewayOptions, startGateway } from "./support/gateway.ts";
import { createTopic, kafkaBroker, readAll, testClient, uniqueTopic } from "./support/kafka.ts";
import { committedOffsets, highWatermark, runsOf, storedPosition } from "./support/kill-accounting.ts";
import { type TempDir, tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const STRING = "org.apache.kafka.connect.storage.StringConverter";

const lineOf = (value: Buffer) => Number(/^line (\d+) /.exec(value.toString())![1]);

/** How each gateway of a test ends: kill -9 (twice), SIGTERM, then the last runs to the end. */
const STOPS = ["kill", "kill", "term"] as const;

async function workerOptions(dir: TempDir, connector: Record<string, string>): Promise<GatewayOptions> {
  const kafka = await kafkaBroker();
  writeFileSync(dir.file("connector.json"), JSON.stringify({ name: connector.name, config: connector }));
  return {
    dir: dir.path,
    worker: {
      "bootstrap.servers": kafka.bootstrap,
      "data.dir": dir.file("data"),
      "offset.flush.interval.ms": "100",
      "task.shutdown.graceful.timeout.ms": "30000",
      "key.converter": STRING,
      "value.converter": STRING,
    },
    args: [dir.file("connector.json")],
  };
}

/** An admin client and the current gateway, both closed at scope end (the gateway's log shown on failure). */
async function harness() {
  const admin = (await testClient()).admin();
  await admin.connect();
  const state = { gw: undefined as Gateway | undefined, passed: false };
  return {
    admin,
    state,
    [Symbol.asyncDispose]: async () => {
      if (!state.passed && state.gw) console.error(`gateway log (tail):\n${state.gw.output().slice(-6000)}`);
      if (state.gw?.proc.exitCode === null) await state.gw.kill();
      await admin.disconnect();
    },
  };
}

/** Waits until `progress` has moved `step` past where it was when the gateway started. */
async function underWay(progress: () => Promise<number>, step: number, what: string): Promise<number> {
  const from = await progress();
  return waitFor(async () => ((await progress()) >= from + step ? progress() : undefined), {
    timeoutMs: 45_000,
    what,
  });
}

describe("FileStream connectors stopped under load", () => {
  test("FileStreamSource → Kafka: kill -9 never leaves an offset ahead of Kafka; SIGTERM commits every acknowledged line", async () => {
    await using dir = await tempDir("file-source-kill-");
    await using h = await harness();
    const topic = uniqueTopic("file-source-kill");
    await createTopic(topic, 1);
    const LINES = 80_000;
    const text = Array.from({ length: LINES }, (_, i) => `line ${i} ✓${"x".repeat(i % 7)}\n`);
    writeFileSync(dir.file("in.txt"), text.join(""));
    // The byte after each line: a stored position names how many lines were committed.
    const ends = new Map<number, number>([[0, 0]]);
    let at = 0;
    text.forEach((line, i) => {
      at += Buffer.byteLength(line);
      ends.set(at, i + 1);
    });
    const options = await workerOptions(dir, {
      name: "src",
      "connector.class": "FileStreamSource",
      file: dir.file("in.txt"),
      topic,
      "batch.size": "200",
    });

    const killedAt: number[] = [];
    for (const how of STOPS) {
      h.state.gw = await startGateway(options);
      const sent = await underWay(() => highWatermark(h.admin, topic), 3000, `the source under way (${how})`);
      if (how === "kill") await h.state.gw.kill();
      else expect(await h.state.gw.stop()).toBe(0);
      const position = storedPosition(dir.file("data"), dir.path, "src");
      const committed = ends.get(position);
      console.log(`file source ${how}: ${sent}+ records in Kafka, position ${position} = line ${committed}`);
      expect(committed).toBeDefined(); // a line boundary
      expect(committed!).toBeLessThan(LINES); // stopped while lines were still coming
      if (how === "kill") killedAt.push(committed!);
      else {
        // Graceful: the last line this gateway wrote (the topic's last record) is the last one committed.
        const last = (await readAll(topic)).at(-1)!;
        expect(lineOf(last.value!)).toBe(committed! - 1);
      }
    }

    h.state.gw = await startGateway(options);
    const total = at;
    await waitFor(
      async () => (await h.state.gw!.rest.get("/connectors/src/offsets")).body.offsets?.[0]?.offset.position === total,
      { timeoutMs: 60_000, what: "every line committed" },
    );
    expect(await h.state.gw.stop()).toBe(0);
    const seq = (await readAll(topic)).map((r) => lineOf(r.value!));
    const runs = runsOf(seq);
    console.log(
      `file source: ${seq.length} records for ${LINES} lines; kills left lines ${killedAt.join(", ")} committed; runs ${JSON.stringify(runs)}`,
    );
    expect(new Set(seq).size).toBe(LINES);
    expect(Math.min(...seq)).toBe(0);
    expect(Math.max(...seq)).toBe(LINES - 1);
    // Each restart after a kill replays from the committed line (a run starts there) or, when Kafka
    // had nothing past it, carries on; no run starts anywhere else.
    expect(runs[0]!.first).toBe(0);
    for (const run of runs.slice(1)) expect(killedAt).toContain(run.first);
    h.state.passed = true;
  }, 180_000);

  test("Kafka → FileStreamSink: kill -9 never leaves a commit past the file; SIGTERM commits exactly what was written", async () => {
    await using dir = await tempDir("file-sink-kill-");
    await using h = await harness();
    const topic = uniqueTopic("file-sink-kill");
    const PARTITIONS = 3;
    await createTopic(topic, PARTITIONS);
    const output = dir.file("out.txt");
    writeFileSync(output, "");
    await using feed = await feeder(topic, output);
    const options = await workerOptions(dir, {
      name: topic, // a group of its own (connect-<name>), on a broker other tests share
      "connector.class": "FileStreamSink",
      topics: topic,
      file: output,
      "consumer.override.max.poll.records": "100",
    });
    const fileLines = () => {
      const content = readFileSync(output, "utf8");
      expect(content === "" || content.endsWith("\n")).toBe(true); // whole lines only
      return content.split("\n").filter((l) => l !== "");
    };
    const committedSum = async () => {
      let sum = 0;
      for (const o of (await committedOffsets(h.admin, `connect-${topic}`, topic)).values()) sum += Math.max(0, o);
      return sum;
    };

    // Per gateway: how it ended, the offsets committed then and how many lines the file had.
    const stops: { how: "kill" | "term"; committed: Map<number, number>; lines: number }[] = [];
    for (const how of STOPS) {
      h.state.gw = await startGateway(options);
      await underWay(committedSum, 4000, `the sink under way (${how})`);
      if (how === "kill") await h.state.gw.kill();
      else expect(await h.state.gw.stop()).toBe(0);
      expect(feed.done).toBe(false); // records were still coming
      stops.push({
        how,
        committed: await committedOffsets(h.admin, `connect-${topic}`, topic),
        lines: fileLines().length,
      });
    }
    const records = await feed.finish();

    h.state.gw = await startGateway(options);
    // Where each value landed: the file's lines are accounted per partition and offset.
    const where = new Map<string, { partition: number; offset: number }>();
    const inKafka = await readAll(topic);
    for (const r of inKafka) where.set(r.value!.toString(), { partition: r.partition, offset: Number(r.offset) });
    // Each value at exactly one offset (the feeder is idempotent): a line of the file names its record.
    expect([inKafka.length, where.size]).toEqual([records, records]);
    await waitFor(() => new Set(fileLines()).size === records, { timeoutMs: 60_000, what: "every record in the file" });
    expect(await h.state.gw.stop()).toBe(0);
    const all = fileLines().map((l) => where.get(l)!);
    console.log(
      `file sink: ${all.length} lines for ${records} records; stops ${JSON.stringify(stops.map((s) => ({ ...s, committed: [...s.committed] })))}`,
    );
    const offsetsIn = (part: typeof all, p: number) => part.filter((r) => r.partition === p).map((r) => r.offset);
    // Each gateway's share of the file (the last one's runs to the end), partition by partition.
    const ends = [...stops.map((s) => s.lines), all.length];
    let replaysWithin = 0;
    ends.forEach((end, g) => {
      const from = g === 0 ? 0 : ends[g - 1]!;
      const stop = stops[g];
      const previous = stops[g - 1];
      for (let p = 0; p < PARTITIONS; p++) {
        const mine = offsetsIn(all.slice(from, end), p);
        let next = Math.max(-1, ...offsetsIn(all.slice(0, from), p)) + 1; // written before this gateway
        if (mine.length > 0) {
          // It starts at or after what the previous gateway left committed, with no gap; after a
          // SIGTERM exactly where the previous one stopped writing (nothing repeated).
          expect(mine[0]!).toBeGreaterThanOrEqual(Math.max(0, previous?.committed.get(p) ?? 0));
          if (previous?.how === "term") expect({ g, p, first: mine[0] }).toEqual({ g, p, first: next });
        }
        let own = mine[0] ?? 0; // the next offset of this gateway's own run
        for (const o of mine) {
          // No gap ever: a record comes after its predecessor (a replay within a gateway, after a
          // commit that failed, is allowed: at-least-once).
          if (o > next) expect({ g, p, offset: o }).toEqual({ g, p, offset: next });
          if (o < own) replaysWithin++;
          own = Math.max(own, o + 1);
          next = Math.max(next, o + 1);
        }
        if (!stop) continue;
        // Commits never ran ahead of the file; after SIGTERM the committed offset is exactly what was written.
        const committed = Math.max(0, stop.committed.get(p) ?? 0);
        const written = new Set(offsetsIn(all.slice(0, end), p));
        const missing = Array.from({ length: committed }, (_, o) => o).filter((o) => !written.has(o));
        expect({ g, p, missingBelowCommitted: missing }).toEqual({ g, p, missingBelowCommitted: [] });
        if (stop.how === "term") expect({ g, p, committed }).toEqual({ g, p, committed: next });
      }
    });
    console.log(`file sink: records written again within one gateway: ${replaysWithin}`);
    h.state.passed = true;
  }, 180_000);
});

/**
 * Produces `v<n>` records to `topic`, 2000 a request, staying at most 10 000 ahead of what the
 * sink wrote to `output` (about, by its size), until `finish` (or a bound); returns how many.
 * Stops and disconnects at scope end.
 */
async function feeder(topic: string, output: string) {
  // Idempotent, one request in flight: a request kafkajs sends again after a timeout (a loaded
  // broker) is written once, so each value is at one offset, which the accounting relies on.
  const producer = (await testClient()).producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const MAX = 400_000;
  let sent = 0;
  let stopping = false;
  const written = () => (existsSync(output) ? statSync(output).size / `v${sent}\n`.length : 0);
  const running = (async () => {
    while (!stopping && sent < MAX) {
      await waitFor(() => stopping || sent - written() < 10_000, { timeoutMs: 120_000, what: "the sink to catch up" });
      if (stopping) break;
      await producer.send({
        topic,
        acks: -1,
        messages: Array.from({ length: 2000 }, (_, i) => ({ value: `v${sent + i}` })),
      });
      sent += 2000;
    }
  })();
  const finish = async () => {
    stopping = true;
    try {
      await running;
    } finally {
      await producer.disconnect();
    }
    return sent;
  };
  return {
    get done() {
      return sent >= MAX;
    },
    finish,
    [Symbol.asyncDispose]: async () => {
      if (!stopping) await finish().catch(() => undefined);
    },
  };
}
