/**
 * CPU of building one Produce request of the single-record ingest path (20 records of a 200 B JSON
 * value and one header, one partition): encode the RecordBatch, stamp it (producer id, epoch,
 * sequence), seal it (CRC-32C) and frame the whole request, as the producer does per request.
 * "now" is this tree (src/kafka/platformatic/record-batch.ts + produce-frame.ts); "before" is
 * record-batch.ts of the commit BENCH_BASE (default b248ca2, before the "Kafka client produce path
 * CPU" change: CRC at encode and again at stamp, records copied into the batch) with the request
 * framed as its transport and the library's Connection did (a Writer for the body, a second one for
 * the header, concatenated). Also the answer: the library's parser against produce-frame.ts.
 *
 *   node_modules/.bin/bun bench/produce-request.ts
 */
import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { produceV11, Reader, Writer } from "@platformatic/kafka";
import type { ProducerRecord } from "../src/kafka/kafka-port.ts";
import { frameProduceRequest, readProduceAnswers } from "../src/kafka/platformatic/produce-frame.ts";
import { type EncodedBatch, encodeRecordBatch, stampRecordBatch } from "../src/kafka/platformatic/record-batch.ts";
import { NO_COMPRESSION } from "../src/kafka/record-codecs.ts";

const base = process.env.BENCH_BASE ?? "b248ca2";
const recordsPerRequest = Number(process.env.BENCH_RECORDS ?? "20");
const value = new TextEncoder().encode(JSON.stringify({ device: "dev-1", seq: 1, payload: "x".repeat(160) }));
const records: ProducerRecord[] = Array.from({ length: recordsPerRequest }, () => ({
  topic: "bench-topic",
  partition: 0,
  key: null,
  value,
  headers: [{ key: "ingest.principal", value: new TextEncoder().encode("device-1") }],
  timestamp: null,
}));
const indexes = records.map((_, i) => i);

// The old module, as it was at `base`, next to this one so that its imports resolve.
const oldPath = join(import.meta.dir, `.record-batch-${base}.ts`);
writeFileSync(
  oldPath,
  execFileSync("git", ["show", `${base}:src/kafka/platformatic/record-batch.ts`], { encoding: "utf8" }).replace(
    "../kafka-port.ts",
    "../src/kafka/kafka-port.ts",
  ),
);
const old: typeof import("../src/kafka/platformatic/record-batch.ts") = await import(oldPath);
rmSync(oldPath);

function before(sequence: number, at = Date.now()): Buffer {
  // Before the codec choice was an object, `false` meant uncompressed.
  const { buffer } = (old.encodeRecordBatch as (...a: unknown[]) => EncodedBatch)(records, indexes, at, false);
  old.stampRecordBatch(buffer, 4242n, 0, sequence);
  const body = Writer.create().appendString(null).appendInt16(-1).appendInt32(30_000);
  body.appendUnsignedVarInt(2).appendString("bench-topic").appendUnsignedVarInt(2);
  body
    .appendInt32(0)
    .appendUnsignedVarInt(buffer.length + 1)
    .append(buffer)
    .appendTaggedFields();
  body.appendTaggedFields().appendTaggedFields();
  const frame = Writer.create().appendInt16(0).appendInt16(9).appendInt32(sequence).appendString("gateway", false);
  frame.appendTaggedFields();
  return frame.appendFrom(body).prependLength().buffer;
}

function now(sequence: number, at = Date.now()): Buffer {
  const { buffer } = encodeRecordBatch(records, indexes, at, NO_COMPRESSION);
  stampRecordBatch(buffer, 4242n, 0, sequence);
  const frame = frameProduceRequest("gateway", 9, -1, 30_000, [
    { topic: "bench-topic", partition: 0, records: buffer },
  ]);
  frame.writeInt32BE(sequence, 8);
  return frame;
}

// Both make the very same bytes, CRC included.
const a = before(7, 1_700_000_000_000);
const b = now(7, 1_700_000_000_000);
if (!a.equals(b)) throw new Error("the two paths frame different bytes");

// A v9 answer for one partition, as a broker sends it (after the response header).
const answer = Writer.create()
  .appendUnsignedVarInt(2)
  .appendString("bench-topic")
  .appendUnsignedVarInt(2)
  .appendInt32(0)
  .appendInt16(0)
  .appendInt64(123_456n)
  .appendInt64(-1n)
  .appendInt64(0n)
  .appendUnsignedVarInt(1)
  .appendString(null)
  .appendTaggedFields()
  .appendTaggedFields()
  .appendInt32(0)
  .appendTaggedFields().buffer;

function time(label: string, f: (i: number) => unknown): void {
  const iterations = 200_000;
  for (let i = 0; i < 20_000; i++) f(i);
  const t0 = Bun.nanoseconds();
  for (let i = 0; i < iterations; i++) f(i);
  const ns = (Bun.nanoseconds() - t0) / iterations;
  console.log(`| ${label} | ${(ns / 1000).toFixed(2)} | ${(ns / 1000 / recordsPerRequest).toFixed(3)} |`);
}

console.log(`${recordsPerRequest} records per request, ${b.length} B a request`);
console.log("| step | µs per request | µs per record |");
console.log("|---|--:|--:|");
for (let round = 0; round < 3; round++) {
  time(`before (${base}): encode, stamp, frame`, before);
  time("now: encode, stamp, seal, frame", now);
  time("before: parse the answer (library)", () => produceV11.parseResponse(0, 0, 9, Reader.from(answer)));
  time("now: parse the answer (produce-frame.ts)", () => readProduceAnswers(0, 0, 9, Reader.from(answer)));
}
