/**
 * A topic partition's log segment on the shared broker's disk, rewritten or damaged in place (the
 * broker serves its log as it is, without checking): bit rot, and message sets of format v0/v1
 * (Kafka 4 writes v2 only; older brokers' segments stay as they were written).
 */

import { expect } from "bun:test";
import { openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { ConfigResourceTypes } from "kafkajs";
import { testClient } from "./kafka.ts";

/**
 * A log entry of format v1 at `offset`: one message holding `value` (attributes: `codec`, 1 for a
 * gzip wrapper whose value is messages), its CRC-32 damaged when `damaged`.
 */
export function legacyEntry(offset: number, value: string | Buffer, damaged = false, codec = 0): Buffer {
  const bytes = Buffer.from(value);
  const message = Buffer.alloc(4 + 1 + 1 + 8 + 4 + 4 + bytes.length); // crc magic attributes timestamp key value
  message[4] = 1;
  message[5] = codec;
  message.writeInt32BE(-1, 14); // null key
  message.writeInt32BE(bytes.length, 18);
  bytes.copy(message, 22);
  message.writeUInt32BE((crc32(message.subarray(4)) ^ (damaged ? 1 : 0)) >>> 0, 0);
  const head = Buffer.alloc(12);
  head.writeBigInt64BE(BigInt(offset), 0);
  head.writeInt32BE(message.length, 8);
  return Buffer.concat([head, message]);
}

/**
 * Replaces partition 0's log of `topic` (three records in one v2 batch) with `entries` (v1, offsets
 * 0 and 1) and a third v1 message at offset 2 padding it to the same size.
 */
export function rewriteAsV1(dir: string, topic: string, entries: readonly Buffer[]): void {
  const path = join(dir, `${topic}-0`, "00000000000000000000.log");
  const size = readFileSync(path).length;
  const padding = size - entries.reduce((sum, e) => sum + e.length, 0) - legacyEntry(2, "").length;
  expect(padding).toBeGreaterThan(0);
  const set = Buffer.concat([...entries, legacyEntry(2, "p".repeat(padding))]);
  const fd = openSync(path, "r+");
  writeSync(fd, set, 0, set.length, 0);
}

/** The broker's log directory, as it reports it. */
export async function logDir(): Promise<string> {
  const admin = (await testClient()).admin();
  await admin.connect();
  try {
    const { brokers } = await admin.describeCluster();
    const { resources } = await admin.describeConfigs({
      resources: [{ type: ConfigResourceTypes.BROKER, name: String(brokers[0]!.nodeId), configNames: ["log.dirs"] }],
      includeSynonyms: false,
    });
    return resources[0]!.configEntries[0]!.configValue.split(",")[0]!;
  } finally {
    await admin.disconnect();
  }
}

/** Flips one byte of the partition's (default 0) first segment of `topic`, at `at` (a byte offset, or the marker's). */
export function damage(dir: string, topic: string, at: number | string, partition = 0): void {
  const path = join(dir, `${topic}-${partition}`, "00000000000000000000.log");
  const bytes = readFileSync(path);
  const pos = typeof at === "number" ? at : bytes.indexOf(at) + 3;
  expect(pos).toBeGreaterThan(61);
  const fd = openSync(path, "r+");
  writeSync(fd, Buffer.from([bytes[pos]! ^ 0x20]), 0, 1, pos);
}
