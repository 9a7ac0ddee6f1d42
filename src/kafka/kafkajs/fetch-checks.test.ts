import { describe, expect, test } from "bun:test";
import type { ProducerRecord } from "../kafka-port.ts";
import { encodeRecordBatch, sealRecordBatch } from "../platformatic/record-batch.ts";
import { checkFetchAnswer } from "./fetch-checks.ts";

const value = new TextEncoder().encode("a value");
const records: ProducerRecord[] = [{ topic: "t", partition: 0, key: null, value, headers: [], timestamp: 1 }];

function batch(baseOffset: number): Buffer {
  const b = Buffer.from(encodeRecordBatch(records, [0], 1, { type: "none" }).buffer);
  b.writeBigInt64BE(BigInt(baseOffset), 0);
  sealRecordBatch(b);
  return b;
}

/** A Fetch answer of `version` (4-11): topic "t", partition 3, one aborted transaction, `records`. */
function answer(version: number, recordSet: Buffer): Buffer {
  const parts: Buffer[] = [];
  const int32 = (v: number) => parts.push(Buffer.from(Uint8Array.of(v >>> 24, v >>> 16, v >>> 8, v)));
  const zeros = (n: number) => parts.push(Buffer.alloc(n));
  int32(0); // throttle_time_ms
  if (version >= 7) zeros(6); // error_code, session_id
  int32(1);
  parts.push(Buffer.from([0, 1]), Buffer.from("t"));
  int32(1);
  int32(3);
  zeros(2 + 8 + 8 + (version >= 5 ? 8 : 0));
  int32(1);
  zeros(16); // one aborted transaction
  if (version >= 11) int32(-1);
  int32(recordSet.length);
  parts.push(recordSet);
  return Buffer.concat(parts);
}

describe("checkFetchAnswer (kafkajs' Fetch answers, versions 4-11)", () => {
  test.each([4, 5, 7, 11])("v%i: sound batches pass; a flipped byte is Java's KafkaException naming the batch", (v) => {
    const sound = Buffer.concat([batch(40), batch(41)]);
    // The last batch cut short by the fetch's byte limit is left alone, as kafkajs skips it.
    expect(() => checkFetchAnswer(answer(v, Buffer.concat([sound, batch(42).subarray(0, 30)])), v)).not.toThrow();
    const damaged = Buffer.from(sound);
    damaged[damaged.length - 3]! ^= 0x40;
    expect(() => checkFetchAnswer(answer(v, damaged.subarray(sound.length / 2)), v)).toThrow(
      /^Record batch for partition t-3 at offset 41 is invalid, cause: Record is corrupt \(stored crc = \d+, computed crc = \d+\)$/,
    );
  });

  test("a damaged batch after sound ones: left unread (its length past the answer's end), the ones before delivered", () => {
    const sound = batch(40);
    const damaged = batch(41);
    damaged[damaged.length - 3]! ^= 0x40;
    const raw = answer(11, Buffer.concat([sound, damaged]));
    expect(() => checkFetchAnswer(raw, 11)).not.toThrow();
    const at = raw.length - damaged.length;
    expect(raw.subarray(at - sound.length, at)).toEqual(sound);
    expect(raw.readInt32BE(at + 8)).toBe(0x7fffffff);
  });

  test("a damaged batch length (negative) is Java's KafkaException with its ByteBufferLogInputStream cause", () => {
    const damaged = batch(41);
    damaged.writeInt32BE(-12, 8);
    expect(() => checkFetchAnswer(answer(11, damaged), 11)).toThrow(
      "Record batch for partition t-3 at offset 41 is invalid, cause: Record size -12 is less than the minimum record overhead (14)",
    );
  });
});
