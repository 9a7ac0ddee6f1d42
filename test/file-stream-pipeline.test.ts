/**
 * The whole path with Apache's FileStream connectors, driven like connect-standalone (connector
 * files on the command line): lines appended to a file → Kafka → another file, in order; a
 * graceful restart loses and repeats nothing; after kill -9 nothing acknowledged is lost, sources
 * resume from their last committed offsets and connectors come back in their target state.
 */
import { describe, expect, test } from "bun:test";
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { startGateway } from "./support/gateway.ts";
import { kafkaBroker, readAll, readTopic, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

function lines(from: number, to: number): string[] {
  return Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i} ✓`);
}

function readLines(path: string): string[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l !== "");
}

/** Lines with replays removed: at-least-once may repeat a suffix after a crash, never reorder or drop. */
function withoutReplays(seen: string[]): string[] {
  const out: string[] = [];
  const index = new Map<string, number>();
  for (const line of seen) {
    if (!index.has(line)) {
      index.set(line, out.length);
      out.push(line);
    }
  }
  return out;
}

describe("FileStreamSource → Kafka → FileStreamSink", () => {
  test("moves lines in order and survives graceful restarts and kill -9 without loss", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    const input = dir.file("in.txt");
    const output = dir.file("out.txt");
    const topic = uniqueTopic("pipeline");
    // A sink name (so a consumer group and client.ids) of its own: overlapping runs on the shared
    // broker would otherwise share the group and take each other's partitions.
    const sink = uniqueTopic("pipeline-sink");
    writeFileSync(input, "");
    writeFileSync(
      dir.file("source.properties"),
      [
        "name=pipeline-source",
        "connector.class=FileStreamSource",
        `file=${input}`,
        `topic=${topic}`,
        "batch.size=50",
      ].join("\n"),
    );
    writeFileSync(
      dir.file("sink.json"),
      JSON.stringify({
        name: sink,
        config: {
          "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
          topics: topic,
          file: output,
        },
      }),
    );
    const options = {
      dir: dir.path,
      worker: {
        "bootstrap.servers": kafka.bootstrap,
        "data.dir": dir.file("data"),
        "offset.flush.interval.ms": "300",
        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
        "key.converter": "org.apache.kafka.connect.storage.StringConverter",
      },
      args: [dir.file("source.properties"), dir.file("sink.json")],
    };

    // 1. Lines flow in order.
    // Whichever gateway is current when the test ends (or fails) is stopped; on failure its log is shown.
    let gw = await startGateway(options);
    let passed = false;
    await using _cleanup = {
      [Symbol.asyncDispose]: async () => {
        if (!passed) console.error(`gateway log (tail):\n${gw.output().slice(-6000)}`);
        if (gw.proc.exitCode === null) gw.proc.kill("SIGKILL");
      },
    };
    appendFileSync(input, `${lines(1, 120).join("\n")}\n`);
    await waitFor(() => readLines(output).length >= 120, { what: "120 lines in the sink file" });
    expect(readLines(output)).toEqual(lines(1, 120));
    const inKafka = await readTopic(topic, 120);
    expect(inKafka.map((r) => r.value?.toString("utf8"))).toEqual(lines(1, 120));

    // 2. Graceful stop commits everything: no loss, no repeats across the restart.
    expect(await gw.stop()).toBe(0);
    expect(gw.output()).toContain("Gateway stopped");
    appendFileSync(input, `${lines(121, 200).join("\n")}\n`);
    gw = await startGateway(options);
    await waitFor(() => readLines(output).length >= 200, { what: "200 lines after a restart" });
    expect(readLines(output)).toEqual(lines(1, 200));

    // 3. kill -9 with a paused connector: nothing acknowledged is lost, states come back.
    appendFileSync(input, `${lines(201, 260).join("\n")}\n`);
    await waitFor(() => readLines(output).length >= 260, { what: "260 lines" });
    expect((await gw.rest.put(`/connectors/${sink}/pause`)).status).toBe(202);
    await waitFor(async () => (await gw.rest.get(`/connectors/${sink}/status`)).body.connector.state === "PAUSED");
    appendFileSync(input, `${lines(261, 300).join("\n")}\n`);
    await waitFor(
      async () => withoutReplays((await readAll(topic)).map((r) => r.value!.toString("utf8"))).length === 300,
      {
        what: "300 records in Kafka",
      },
    );
    await gw.kill();

    appendFileSync(input, `${lines(301, 330).join("\n")}\n`);
    gw = await startGateway({ ...options, args: [] });
    await waitFor(async () => (await gw.rest.get(`/connectors/${sink}/status`)).body?.connector?.state === "PAUSED", {
      what: "the sink back in PAUSED",
    });
    expect((await gw.rest.get("/connectors/pipeline-source/status")).body.connector.state).toBe("RUNNING");
    // The source resumed from its committed offset: Kafka gets 301..330 (and at most a replayed suffix).
    await waitFor(
      async () => {
        const values = (await readAll(topic)).map((r) => r.value!.toString("utf8"));
        return withoutReplays(values).length === 330 ? values : undefined;
      },
      { what: "330 distinct lines in Kafka" },
    );
    expect(readLines(output)).toEqual(lines(1, 260));

    expect((await gw.rest.put(`/connectors/${sink}/resume`)).status).toBe(202);
    await waitFor(() => withoutReplays(readLines(output)).length === 330, {
      what: "330 distinct lines in the sink file",
    });
    expect(withoutReplays(readLines(output))).toEqual(lines(1, 330));
    expect(await gw.stop()).toBe(0);
    passed = true;
  }, 120_000);

  test("without file, the source reads the gateway's standard input: a 512 KB line written in pieces and lines split across writes arrive whole", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    const topic = uniqueTopic("stdin");
    await using gw = await startGateway({
      dir: dir.path,
      stdin: "pipe",
      worker: {
        "bootstrap.servers": kafka.bootstrap,
        "data.dir": dir.file("data"),
        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
      },
    });
    const created = await gw.rest.post("/connectors", {
      name: uniqueTopic("stdin-source"),
      config: { "connector.class": "FileStreamSource", topic },
    });
    expect(created.status).toBe(201);
    const stdin = gw.proc.stdin as import("bun").FileSink;
    const piece = "x".repeat(64 * 1024);
    for (let i = 0; i < 8; i++) {
      stdin.write(piece);
      await stdin.flush();
    }
    for (const part of ["\r", "\nsecond", " line\r", "third\n"]) {
      stdin.write(part);
      await stdin.flush();
    }
    const records = await readTopic(topic, 3, 60_000);
    expect(records.map((r) => r.value!.toString("utf8"))).toEqual([piece.repeat(8), "second line", "third"]);
  }, 120_000);
});
