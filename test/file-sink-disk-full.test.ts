/**
 * Kafka → FileStreamSink (compiled binary when GATEWAY_BIN is set) writing to a disk that fills up
 * mid-stream (a small tmpfs: root, as CI runs; test/support/small-volume.ts): the task stays
 * RUNNING and logs the RetriableException it redelivers on, the file never holds a cut line, and
 * once the volume has room again every record is in the file exactly once, in order. (Apache's
 * FileStreamSink, whose PrintStream swallows the error, loses the lines and commits their offsets.)
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { startGateway } from "./support/gateway.ts";
import { createTopic, kafkaBroker, produce, uniqueTopic } from "./support/kafka.ts";
import { smallVolume } from "./support/small-volume.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const LINES = 600;
const line = (i: number) => `${String(i).padStart(5, "0")} ${"y".repeat(994)}`; // 1000 bytes, 1001 with \n

describe("FileStreamSink on a full disk", () => {
  test("waits for room without a cut line, then writes every record once, in order", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir("file-sink-disk-full-");
    await using volume = smallVolume(dir.file("volume"), 1024 * 1024);
    const output = `${volume.path}/out.txt`;
    const topic = uniqueTopic("file-sink-full");
    await createTopic(topic);
    await using gw = await startGateway({
      dir: dir.path,
      worker: {
        "bootstrap.servers": kafka.bootstrap,
        "data.dir": dir.file("data"),
        "offset.flush.interval.ms": "200",
        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
      },
    });
    volume.fill();
    const config = { "connector.class": "FileStreamSink", topics: topic, file: output };
    // A name (so a consumer group) of its own on the shared broker, whoever else runs meanwhile.
    const name = uniqueTopic("sink");
    expect((await gw.rest.put(`/connectors/${name}/config`, config)).status).toBe(201);
    await produce(
      topic,
      Array.from({ length: LINES }, (_, i) => ({ value: line(i) })),
    );
    await gw.waitForOutput(new RegExp(`RetriableException from SinkTask ${name}-0; redelivering`));
    const status = (await gw.rest.get(`/connectors/${name}/status`)).body;
    expect(status.tasks[0].state).toBe("RUNNING");
    const partial = readFileSync(output, "utf8");
    expect(partial === "" || partial.endsWith("\n")).toBe(true);

    volume.free();
    const text = await waitFor(
      () => {
        const t = readFileSync(output, "utf8");
        return t.split("\n").length > LINES && t;
      },
      { what: `${LINES} lines in the file`, timeoutMs: 60_000 },
    );
    expect(text).toBe(Array.from({ length: LINES }, (_, i) => `${line(i)}\n`).join(""));
  });
});
