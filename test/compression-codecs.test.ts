/**
 * Every Kafka codec, both directions, both Kafka clients, checked by Apache Kafka's Java clients
 * (test/support/java-codecs.ts): FileStreamSink reads topics Java's producer wrote with gzip,
 * snappy (xerial-framed, as Java writes it), lz4 and zstd; FileStreamSource writes with
 * `producer.override.compression.type` set to each, and Java's consumer reads it back from batches
 * of that codec (the broker checked their CRCs). With GATEWAY_BIN this runs the compiled binary,
 * whose LZ4/Snappy WebAssembly is bundled (a missing one crashed it at start before).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { startGateway } from "./support/gateway.ts";
import { type JavaCodecClient, javaCodecClient } from "./support/java-codecs.ts";
import { createTopic, type KafkaInfo, kafkaBroker, testClient, uniqueTopic } from "./support/kafka.ts";
import { type TempDir, tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const CODECS = ["gzip", "snappy", "lz4", "zstd"] as const;
const COUNT = 300;

const javaValue = (i: number) => `value ${i} ${"compressible ".repeat(4)}`;
const sourceLine = (codec: string, i: number) => `line ${i} of ${codec} ${"compressible ".repeat(4)}`;
const expected = (make: (i: number) => string) => Array.from({ length: COUNT }, (_, i) => make(i));

function readLines(path: string): string[] {
  return existsSync(path) ? readFileSync(path, "utf8").split("\n").slice(0, -1) : [];
}

let kafka: KafkaInfo;
let dir: TempDir;
let java: JavaCodecClient;
/** The topics Java wrote, by codec. */
const javaTopics: Record<string, string> = {};

beforeAll(async () => {
  kafka = await kafkaBroker();
  dir = await tempDir();
  java = await javaCodecClient(kafka, dir.path);
  for (const codec of CODECS) {
    javaTopics[codec] = uniqueTopic(`java-${codec}`);
    await createTopic(javaTopics[codec]);
  }
  await java.produce(COUNT, Object.fromEntries(CODECS.map((c) => [javaTopics[c]!, c])));
}, 120_000);

afterAll(() => dir?.[Symbol.asyncDispose]());

describe.each(["platformatic", "kafkajs"])("kafka.client=%s", (client) => {
  test("sinks read every codec Java writes; sources write every codec, which Java reads", async () => {
    const connectors: string[] = [];
    const sourceTopics: Record<string, string> = {};
    for (const codec of CODECS) {
      sourceTopics[codec] = uniqueTopic(`gateway-${codec}`);
      await createTopic(sourceTopics[codec]);
      const input = dir.file(`${client}-${codec}.in`);
      writeFileSync(input, `${expected((i) => sourceLine(codec, i)).join("\n")}\n`);
      const sink = dir.file(`${client}-sink-${codec}.properties`);
      writeFileSync(
        sink,
        // A name (so a consumer group) of its own on the shared broker, whoever else runs meanwhile.
        `name=${uniqueTopic(`${client}-sink-${codec}`)}\nconnector.class=FileStreamSink\ntopics=${javaTopics[codec]}\n` +
          `file=${dir.file(`${client}-${codec}.out`)}\n`,
      );
      const source = dir.file(`${client}-source-${codec}.properties`);
      writeFileSync(
        source,
        `name=${client}-source-${codec}\nconnector.class=FileStreamSource\nfile=${input}\n` +
          `topic=${sourceTopics[codec]}\nproducer.override.compression.type=${codec}\n`,
      );
      connectors.push(sink, source);
    }
    await using gw = await startGateway({
      dir: dir.path,
      worker: {
        "bootstrap.servers": kafka.bootstrap,
        "data.dir": dir.file(`${client}-data`),
        "kafka.client": client,
        "key.converter": "org.apache.kafka.connect.storage.StringConverter",
        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
      },
      args: connectors,
    });
    for (const codec of CODECS) {
      const out = dir.file(`${client}-${codec}.out`);
      await waitFor(() => readLines(out).length >= COUNT || gw.output().includes("unrecoverable"), {
        timeoutMs: 60_000,
        what: `${COUNT} lines from the ${codec} topic`,
      });
      expect({ codec, lines: readLines(out) }).toEqual({ codec, lines: expected(javaValue) });
    }
    const admin = (await testClient()).admin();
    await admin.connect();
    try {
      for (const codec of CODECS) {
        const failed = async () =>
          JSON.stringify((await gw.rest.get(`/connectors/${client}-source-${codec}/status`)).body);
        await waitFor(
          async () =>
            Number((await admin.fetchTopicOffsets(sourceTopics[codec]!))[0]!.high) >= COUNT ||
            (await failed()).includes("FAILED"),
          { timeoutMs: 60_000, what: `${COUNT} records in ${sourceTopics[codec]}` },
        );
      }
    } finally {
      await admin.disconnect();
    }
    expect(
      gw
        .output()
        .split("\n")
        .filter((l) => l.includes("ERROR")),
    ).toEqual([]);
    const read = await java.read(COUNT, Object.values(sourceTopics));
    for (const codec of CODECS) {
      expect({ codec, ...read.get(sourceTopics[codec]!) }).toEqual({
        codec,
        codecs: [codec],
        values: expected((i) => sourceLine(codec, i)),
      });
    }
  }, 180_000);
});
