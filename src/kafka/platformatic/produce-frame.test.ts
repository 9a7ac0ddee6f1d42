import { describe, expect, test } from "bun:test";
import { crc32c, produceV11, Reader, Writer } from "@platformatic/kafka";
import { NO_COMPRESSION } from "../record-codecs.ts";
import { CORRELATION_ID_OFFSET, frameProduceRequest, readProduceAnswers } from "./produce-frame.ts";
import type { OutgoingBatch } from "./produce-transport.ts";
import { encodeRecordBatch, stampRecordBatch } from "./record-batch.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

function batch(topic: string, partition: number, value: string): OutgoingBatch {
  const record = { topic, partition, key: null, value: bytes(value), headers: [], timestamp: 1 };
  return { topic, partition, records: encodeRecordBatch([record], [0], 1, NO_COMPRESSION).buffer };
}

describe("frameProduceRequest", () => {
  test("frames what the library's Writer and Connection framed: header v2, Produce v9 body, batches grouped by topic", () => {
    const batches = [batch("tö", 0, "a"), batch("other", 2, "b".repeat(200)), batch("tö", 1, "c")];
    const frame = frameProduceRequest("gätewäy", 9, -1, 30_000, batches);
    // What the transport and the library's Connection.send wrote before (correlation id 0).
    const body = Writer.create().appendString(null).appendInt16(-1).appendInt32(30_000).appendUnsignedVarInt(3);
    body.appendString("tö").appendUnsignedVarInt(3);
    for (const b of [batches[0]!, batches[2]!])
      body
        .appendInt32(b.partition)
        .appendUnsignedVarInt(b.records.length + 1)
        .append(b.records)
        .appendTaggedFields();
    body.appendTaggedFields().appendString("other").appendUnsignedVarInt(2);
    body
      .appendInt32(2)
      .appendUnsignedVarInt(batches[1]!.records.length + 1)
      .append(batches[1]!.records);
    body.appendTaggedFields().appendTaggedFields().appendTaggedFields();
    const expected = Writer.create().appendInt16(0).appendInt16(9).appendInt32(0).appendString("gätewäy", false);
    expected.appendTaggedFields().appendFrom(body).prependLength();
    expect(frame.toString("hex")).toBe(expected.buffer.toString("hex"));
    expect(frame.readInt32BE(CORRELATION_ID_OFFSET)).toBe(0);
  });

  test("seals every batch with its CRC-32C as it frames it", () => {
    const b = batch("t", 0, "v");
    b.records.writeUInt32BE(0, 17);
    frameProduceRequest("c", 9, 1, 100, [b]);
    expect(b.records.readUInt32BE(17)).toBe(crc32c(b.records.subarray(21)) >>> 0);
  });
});

describe("frameProduceRequest of one batch (framed in place around it)", () => {
  /** The same batch in a buffer of its own: framed by copying, the reference bytes. */
  const copied = (b: OutgoingBatch): OutgoingBatch => ({ ...b, records: Buffer.from(b.records) });

  test.each([
    ["uncompressed", NO_COMPRESSION],
    ["gzip", { type: "gzip" } as const],
  ])("%s: the same bytes as a request framed by copying, in the batch's own allocation", (_, gzip) => {
    const record = { topic: "tö", partition: 3, key: null, value: bytes("v".repeat(300)), headers: [], timestamp: 7 };
    const b: OutgoingBatch = { topic: "tö", partition: 3, records: encodeRecordBatch([record], [0], 7, gzip).buffer };
    stampRecordBatch(b.records, 99n, 1, 5);
    const reference = frameProduceRequest("gätewäy", 9, -1, 30_000, [copied(b)]).toString("hex");
    const frame = frameProduceRequest("gätewäy", 9, -1, 30_000, [b]);
    expect(frame.toString("hex")).toBe(reference);
    // No copy: the frame is a view of the batch's allocation, the batch right where it goes on the wire.
    expect(frame.buffer).toBe(b.records.buffer);
    expect(b.records.byteOffset - frame.byteOffset).toBe(frame.length - b.records.length - 3);
  });

  test("a retry is framed by copying: the first frame, perhaps still queued on a socket, is not rewritten", () => {
    const b = batch("t", 0, "x".repeat(50));
    stampRecordBatch(b.records, 1n, 0, 0);
    const first = frameProduceRequest("c", 9, -1, 100, [b]);
    expect(first.buffer).toBe(b.records.buffer);
    first.writeInt32BE(12345, CORRELATION_ID_OFFSET); // as the connection does
    const again = frameProduceRequest("c", 9, -1, 100, [b]);
    expect(again.buffer).not.toBe(b.records.buffer);
    expect(again.toString("hex")).toBe(frameProduceRequest("c", 9, -1, 100, [copied(b)]).toString("hex"));
    expect(again.readInt32BE(CORRELATION_ID_OFFSET)).toBe(0);
    expect(first.readInt32BE(CORRELATION_ID_OFFSET)).toBe(12345);
    expect(b.records.readUInt32BE(17)).toBe(crc32c(b.records.subarray(21)) >>> 0);
  });

  test("a head larger than the room (a long client id) is framed by copying, the same bytes", () => {
    const b = batch("t", 0, "v");
    const longId = "c".repeat(400);
    const frame = frameProduceRequest(longId, 9, 1, 100, [b]);
    expect(frame.buffer).not.toBe(b.records.buffer);
    expect(frame.toString("hex")).toBe(frameProduceRequest(longId, 9, 1, 100, [copied(b)]).toString("hex"));
  });
});

describe("readProduceAnswers", () => {
  test("reads every partition's answer, errors included, as the library's parser does", () => {
    const answer = Writer.create().appendUnsignedVarInt(3);
    answer.appendString("t").appendUnsignedVarInt(3);
    answer.appendInt32(0).appendInt16(0).appendInt64(42n).appendInt64(-1n).appendInt64(0n);
    answer.appendUnsignedVarInt(1).appendString(null).appendTaggedFields();
    answer.appendInt32(1).appendInt16(87).appendInt64(-1n).appendInt64(-1n).appendInt64(0n);
    answer.appendUnsignedVarInt(3);
    answer.appendInt32(0).appendString("bad record").appendTaggedFields();
    answer.appendInt32(1).appendString(null).appendTaggedFields();
    answer.appendString(null).appendTaggedFields();
    answer.appendTaggedFields();
    answer.appendString("u").appendUnsignedVarInt(2);
    answer.appendInt32(5).appendInt16(6).appendInt64(-1n).appendInt64(-1n).appendInt64(0n);
    answer.appendUnsignedVarInt(1).appendString("not the leader").appendTaggedFields();
    answer.appendTaggedFields().appendInt32(0).appendTaggedFields();
    const buffer = answer.buffer;
    expect(readProduceAnswers(0, 0, 9, Reader.from(buffer))).toEqual([
      { topic: "t", partition: 0, errorCode: 0, baseOffset: 42, errorMessage: null },
      { topic: "t", partition: 1, errorCode: 87, baseOffset: -1, errorMessage: "bad record" },
      { topic: "u", partition: 5, errorCode: 6, baseOffset: -1, errorMessage: "not the leader" },
    ]);
    // The library agrees on the same bytes (it throws on partition errors, with the response).
    let library: produceV11.ProduceResponse | undefined;
    try {
      produceV11.parseResponse(0, 0, 9, Reader.from(buffer));
    } catch (error) {
      library = (error as { response: produceV11.ProduceResponse }).response;
    }
    expect(
      library?.responses.flatMap((t) =>
        t.partitionResponses.map((p) => [t.name, p.index, p.errorCode, Number(p.baseOffset)]),
      ),
    ).toEqual([
      ["t", 0, 0, 42],
      ["t", 1, 87, -1],
      ["u", 5, 6, -1],
    ]);
  });
});
