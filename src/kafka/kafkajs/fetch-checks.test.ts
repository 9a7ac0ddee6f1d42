import { describe, expect, test } from "bun:test";
import { crc32 } from "node:zlib";
import { decode as kafkajsDecode } from "kafkajs/src/protocol/requests/fetch/v11/response";
import type { ProducerRecord } from "../kafka-port.ts";
import { encodeRecordBatch, sealRecordBatch } from "../platformatic/record-batch.ts";
import { checkFetchAnswer, decodeFetchAnswer } from "./fetch-checks.ts";

const value = new TextEncoder().encode("a value");
const records: ProducerRecord[] = [{ topic: "t", partition: 0, key: null, value, headers: [], timestamp: 1 }];

function batch(baseOffset: number, type: "none" | "gzip" = "none", of = records): Buffer {
  const b = Buffer.from(encodeRecordBatch(of, [0], 1, { type }).buffer);
  b.writeBigInt64BE(BigInt(baseOffset), 0);
  sealRecordBatch(b);
  return b;
}

/** A log entry of format v0/v1 at `offset`: one message holding `value` (attributes: `codec`). */
function legacy(magic: 0 | 1, offset: number, value: string, codec = 0): Buffer {
  const body = Buffer.concat([
    Buffer.from([magic, codec]),
    magic === 1 ? Buffer.alloc(8) : Buffer.alloc(0), // timestamp
    Buffer.from([0xff, 0xff, 0xff, 0xff]), // null key
    Buffer.alloc(4),
    Buffer.from(value),
  ]);
  body.writeInt32BE(value.length, body.length - value.length - 4);
  const head = Buffer.alloc(16);
  head.writeBigInt64BE(BigInt(offset), 0);
  head.writeInt32BE(4 + body.length, 8);
  head.writeUInt32BE(crc32(body), 12);
  return Buffer.concat([head, body]);
}

/**
 * A Fetch answer of `version` (4-11): topic "t", partition 3 with `recordSet` (and partitions 4, 5, …
 * with `more`), each with one aborted transaction.
 */
function answer(version: number, recordSet: Buffer, ...more: Buffer[]): Buffer {
  const parts: Buffer[] = [];
  const int32 = (v: number) => parts.push(Buffer.from(Uint8Array.of(v >>> 24, v >>> 16, v >>> 8, v)));
  const zeros = (n: number) => parts.push(Buffer.alloc(n));
  int32(0); // throttle_time_ms
  if (version >= 7) zeros(6); // error_code, session_id
  int32(1);
  parts.push(Buffer.from([0, 1]), Buffer.from("t"));
  int32(1 + more.length);
  for (const [i, set] of [recordSet, ...more].entries()) {
    int32(3 + i);
    zeros(2 + 8 + 8 + (version >= 5 ? 8 : 0));
    int32(1);
    zeros(16); // one aborted transaction
    if (version >= 11) int32(-1);
    int32(set.length);
    parts.push(set);
  }
  return Buffer.concat(parts);
}

describe("checkFetchAnswer (kafkajs' Fetch answers, versions 4-11)", () => {
  test.each([4, 5, 7, 11])("v%i: sound batches pass; a flipped byte is Java's KafkaException naming the batch", (v) => {
    const sound = Buffer.concat([batch(40), batch(41)]);
    // The last batch cut short by the fetch's byte limit is left alone, as kafkajs skips it.
    expect(checkFetchAnswer(answer(v, Buffer.concat([sound, batch(42).subarray(0, 30)])), v)).toBeUndefined();
    const damaged = Buffer.from(sound);
    damaged[damaged.length - 3]! ^= 0x40;
    expect(checkFetchAnswer(answer(v, damaged.subarray(sound.length / 2)), v)?.error.message).toMatch(
      /^Record batch for partition t-3 at offset 41 is invalid, cause: Record is corrupt \(stored crc = \d+, computed crc = \d+\)$/,
    );
  });

  test("a damaged batch after sound ones: left unread (its length past the answer's end), the ones before delivered", () => {
    const sound = batch(40);
    const damaged = batch(41);
    damaged[damaged.length - 3]! ^= 0x40;
    const raw = answer(11, Buffer.concat([sound, damaged]));
    expect(checkFetchAnswer(raw, 11)).toBeUndefined();
    const at = raw.length - damaged.length;
    expect(raw.subarray(at - sound.length, at)).toEqual(sound);
    expect(raw.readInt32BE(at + 8)).toBe(0x7fffffff);
  });

  test("a damaged batch length (negative) is Java's KafkaException with its ByteBufferLogInputStream cause", () => {
    const damaged = batch(41);
    damaged.writeInt32BE(-12, 8);
    expect(checkFetchAnswer(answer(11, damaged), 11)?.error.message).toBe(
      "Record batch for partition t-3 at offset 41 is invalid, cause: Record size -12 is less than the minimum record overhead (14)",
    );
  });

  // The same damaged messages read by Java's LegacyRecord.ensureValid (kafka-clients 4.3.1), 2026-12-03.
  const JAVA_LEGACY_CAUSE = {
    0: "Record is corrupt (stored crc = 2375513028, computed crc = 3050976548)",
    1: "Record is corrupt (stored crc = 2564363233, computed crc = 2694075649)",
  };
  test.each([0, 1] as const)(
    "a v%i message whose CRC-32 does not hold is Java's KafkaException naming the record (kafkajs does not check it)",
    (magic) => {
      const sound = Buffer.concat([legacy(magic, 40, "a value"), legacy(magic, 41, "another value")]);
      expect(checkFetchAnswer(answer(11, sound), 11)).toBeUndefined();
      const damaged = legacy(magic, 41, "another value");
      damaged[damaged.length - 3]! ^= 0x20;
      expect(checkFetchAnswer(answer(11, damaged), 11)?.error.message).toBe(
        `Record for partition t-3 at offset 41 is invalid, cause: ${JAVA_LEGACY_CAUSE[magic]}`,
      );
      // After a sound one: left unread (fetched again, then first), the one before delivered.
      const raw = answer(11, Buffer.concat([legacy(magic, 40, "a value"), damaged]));
      expect(checkFetchAnswer(raw, 11)).toBeUndefined();
      expect(raw.readInt32BE(raw.length - damaged.length + 8)).toBe(0x7fffffff);
    },
  );

  test("a v1 wrapper of compressed messages is left to kafkajs' decode (Java checks the messages inside, after decompressing)", () => {
    const wrapper = legacy(1, 41, "compressed bytes", 1);
    wrapper[wrapper.length - 3]! ^= 0x20;
    expect(checkFetchAnswer(answer(11, wrapper), 11)).toBeUndefined();
  });

  /**
   * gzip wrappers of three messages ("a value", "another value", "third"; v1: timestamps 1-3, the
   * wrapper's 5) whose second message has a byte flipped, written by kafka-clients 4.3.1, and what
   * its consumer's check (LegacyRecord.ensureValid on each inner record) says of them, 2026-12-03:
   * the first message is read, the second refused. The wrapper's offset is set to end at 12.
   */
  const WRAPPED = {
    0: [
      "000000000000000000000061f4e283c90001ffffffff000000531f8b08000000000000ff636080035129bb979f1818fe030190c79ea8509698539a0a95640462e9dee9c547e00a7813f3f24b32528b80ca7ce0ca988058786aeb9f00b832d6928ccca21400ae7e1de567000000",
      "Record is corrupt (stored crc = 2375513028, computed crc = 3050976548)",
    ],
    1: [
      "0000000000000002000000700f175a2301010000000000000005ffffffff0000005a1f8b08000000000000ff6360800359c3bfe2f18c301ee37f2000d2ec890a658939a5a930612056ded6792b11ae9009aa9037312fbf2423b508a8dc07ae9c0988a5af3f11f90357ce0c55ce5a92915994020008e07d187f000000",
      "Record is corrupt (stored crc = 3062487649, computed crc = 2395249793)",
    ],
  } as const;
  test.each([0, 1] as const)(
    "a compressed v%i wrapper: its messages' CRC-32s checked once decompressed, as Java's consumer checks each",
    async (magic) => {
      const wrapper = Buffer.from(WRAPPED[magic][0], "hex");
      // v1: inner offsets relative, the wrapper's the last one's; v0: the inner offsets as written.
      const offset = magic === 1 ? 11 : 1;
      if (magic === 1) wrapper.writeBigInt64BE(12n, 0);
      const checks = { checkCrcs: true, maxBatchBytes: 1 << 20 };
      const failed = await decodeFetchAnswer(answer(11, wrapper), 11, checks, kafkajsDecode);
      expect(failed.failure?.error.message).toBe(
        `Record for partition t-3 at offset ${offset} is invalid, cause: ${WRAPPED[magic][1]}`,
      );
      // After another message: left unread (fetched again, then first), the one before delivered.
      const before = legacy(magic, 0, "before");
      type Decoded = { responses: { partitions: { messages: { offset: string }[] }[] }[] };
      const offsets = async (raw: Buffer, crcs: boolean) =>
        (
          (await decodeFetchAnswer(raw, 11, { ...checks, checkCrcs: crcs }, kafkajsDecode)).decoded as Decoded
        ).responses[0]!.partitions[0]!.messages.map((m) => Number(m.offset));
      expect(await offsets(answer(11, Buffer.concat([before, wrapper])), true)).toEqual([0]);
      // check.crcs=false: read as it is.
      expect(await offsets(answer(11, wrapper), false)).toEqual(magic === 1 ? [10, 11, 12] : [0, 1, 2]);
    },
  );

  test("a batch over the bound on decompressed size fails as Java words an invalid batch, naming it (kafkajs' decoder)", async () => {
    const zeros: ProducerRecord[] = [{ ...records[0]!, value: new Uint8Array(100_000) }];
    const sound = answer(11, batch(41, "gzip", zeros));
    const checks = { checkCrcs: true, maxBatchBytes: 1_000_000 };
    expect((await decodeFetchAnswer(sound, 11, checks, kafkajsDecode)).failure).toBeUndefined();
    const over = await decodeFetchAnswer(sound, 11, { ...checks, maxBatchBytes: 1000 }, kafkajsDecode);
    expect(over.failure?.error.message).toStartWith(
      "Record batch for partition t-3 at offset 41 is invalid, cause: the gzip records of a batch decompress to more than 1000 bytes",
    );
  });

  test("after sound batches it is left unread: the ones before it delivered (Java raises on the next poll)", async () => {
    const zeros: ProducerRecord[] = [{ ...records[0]!, value: new Uint8Array(100_000) }];
    // Partition 4's batches, after it in the answer, are read too.
    const bomb = answer(11, Buffer.concat([batch(40), batch(41, "gzip", zeros), batch(42)]), batch(7, "gzip"));
    const checks = { checkCrcs: true, maxBatchBytes: 1000 };
    const decoded = (await decodeFetchAnswer(bomb, 11, checks, kafkajsDecode)).decoded as {
      responses: { partitions: { messages: { offset: string }[] }[] }[];
    };
    const offsets = decoded.responses[0]!.partitions.map((p) => p.messages.map((m) => m.offset));
    expect(offsets).toEqual([["40"], ["7"]]);
  });

  test.each(["corrupt", "over the bound"])(
    "a partition whose first batch is %s: the partitions before it read, it and those after it not (Java's FetchCollector stops there)",
    async (how) => {
      const zeros: ProducerRecord[] = [{ ...records[0]!, value: new Uint8Array(100_000) }];
      const failing = how === "corrupt" ? batch(7) : batch(7, "gzip", zeros);
      if (how === "corrupt") failing[failing.length - 3]! ^= 0x40;
      const raw = answer(11, Buffer.concat([batch(40), batch(41)]), failing, batch(9));
      const { decoded, failure } = await decodeFetchAnswer(
        raw,
        11,
        { checkCrcs: true, maxBatchBytes: 1000 },
        kafkajsDecode,
      );
      const partitions = (decoded as { responses: { partitions: { messages: { offset: string }[] }[] }[] })
        .responses[0]!.partitions;
      expect(partitions.map((p) => p.messages.map((m) => m.offset))).toEqual([["40", "41"], [], []]);
      expect(failure?.tp).toEqual({ topic: "t", partition: 4 });
      expect(failure?.error.message).toMatch(/^Record batch for partition t-4 at offset 7 is invalid, cause: /);
    },
  );
});
