/**
 * One Produce request (v9, the first flexible version; Kafka 2.8+ through 4.x) as the bytes that go
 * on the wire, and its answer read back: used by PlatformaticTransport. The request is framed in one
 * buffer (size, request header v2, body, each record batch copied in once and sealed with its CRC
 * on the way; a request of one batch, the single-record ingest path's usual request, is framed
 * around the batch in the room its encoding left, without a copy), so the library's Connection
 * writes it with one socket write and no Writer, no DynamicBuffer and no concatenation of parts. The answer is read straight into PartitionAnswers
 * (the library's parser builds a response object and throws a ResponseError on any partition error).
 *
 * Request (Kafka's ProduceRequest.json, RequestHeader.json):
 *   size int32 · api_key int16 (0) · api_version int16 · correlation_id int32 (written by the
 *   connection, CORRELATION_ID_OFFSET) · client_id nullable string (int16 length) · tagged fields ·
 *   transactional_id compact nullable string · acks int16 · timeout_ms int32 ·
 *   topic_data compact array [name compact string · partition_data compact array [index int32 ·
 *   records compact bytes · tagged fields] · tagged fields] · tagged fields.
 * Answer body (after the response header, which the connection reads):
 *   responses compact array [name · partition_responses compact array [index int32 ·
 *   error_code int16 · base_offset int64 · log_append_time_ms int64 · log_start_offset int64 ·
 *   record_errors compact array [batch_index int32 · message compact nullable string · tags] ·
 *   error_message compact nullable string · tags] · tags] · throttle_time_ms int32 · tags.
 */
import type { Reader } from "@platformatic/kafka";
import type { OutgoingBatch, PartitionAnswer } from "./produce-transport.ts";
import { FRAME_HEADROOM, FRAME_TAILROOM, sealRecordBatch, takeFramingRoom } from "./record-batch.ts";

export const PRODUCE_API_KEY = 0;
/** Where the connection writes the correlation id it assigns. */
export const CORRELATION_ID_OFFSET = 8;

function uvarintBytes(n: number): number {
  let bytes = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    bytes++;
  }
  return bytes;
}

function writeUvarint(buf: Buffer, pos: number, n: number): number {
  while (n >= 0x80) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 0x80);
  }
  buf[pos++] = n;
  return pos;
}

/** Size, request header v2 and the body's fields before topic_data: written by both framings. */
function writeHead(
  frame: Buffer,
  clientId: string | null,
  clientIdBytes: number,
  version: number,
  acks: number,
  timeoutMs: number,
  topics: number,
): number {
  frame.writeInt32BE(frame.length - 4, 0);
  frame.writeInt16BE(PRODUCE_API_KEY, 4);
  frame.writeInt16BE(version, 6);
  frame.writeInt32BE(0, CORRELATION_ID_OFFSET);
  let pos = 12;
  if (clientId === null) pos = frame.writeInt16BE(-1, pos);
  else {
    pos = frame.writeInt16BE(clientIdBytes, pos);
    pos += frame.write(clientId, pos);
  }
  frame[pos++] = 0; // header tagged fields
  frame[pos++] = 0; // transactional_id: null
  pos = frame.writeInt16BE(acks, pos);
  pos = frame.writeInt32BE(timeoutMs, pos);
  return writeUvarint(frame, pos, topics + 1);
}

/** Bytes of the size, the header and the body's fields before topic_data's entries. */
function headBytes(clientIdBytes: number, topics: number): number {
  return 4 + 2 + 2 + 4 + 2 + clientIdBytes + 1 + 1 + 2 + 4 + uvarintBytes(topics + 1);
}

/**
 * The request carrying `batches` (at most one per partition), sealed: each batch's CRC-32C is
 * written into it (after any stamp) before it goes out. A request of one batch encoded with framing
 * room (record-batch.ts) is framed around it in place: the frame is a view of that allocation, so a
 * retry frames it there again (the batch's bytes do not change; the connection writes the
 * correlation id each time).
 */
export function frameProduceRequest(
  clientId: string | null,
  version: number,
  acks: number,
  timeoutMs: number,
  batches: readonly OutgoingBatch[],
): Buffer {
  const clientIdBytes = clientId === null ? 0 : Buffer.byteLength(clientId);
  if (batches.length === 1) {
    const only = batches[0]!;
    const room = takeFramingRoom(only.records);
    if (room) {
      const framed = frameInPlace(clientId, clientIdBytes, version, acks, timeoutMs, only, room);
      if (framed) return framed;
    }
  }
  const byTopic = new Map<string, OutgoingBatch[]>();
  for (const b of batches) {
    const list = byTopic.get(b.topic);
    if (list) list.push(b);
    else byTopic.set(b.topic, [b]);
  }
  let size = headBytes(clientIdBytes, byTopic.size);
  for (const [topic, list] of byTopic) {
    const nameBytes = Buffer.byteLength(topic);
    size += uvarintBytes(nameBytes + 1) + nameBytes + uvarintBytes(list.length + 1) + 1;
    for (const b of list) size += 4 + uvarintBytes(b.records.length + 1) + b.records.length + 1;
  }
  size += 1;
  const frame = Buffer.allocUnsafe(size);
  let pos = writeHead(frame, clientId, clientIdBytes, version, acks, timeoutMs, byTopic.size);
  for (const [topic, list] of byTopic) {
    pos = writeUvarint(frame, pos, Buffer.byteLength(topic) + 1);
    pos += frame.write(topic, pos);
    pos = writeUvarint(frame, pos, list.length + 1);
    for (const b of list) {
      pos = frame.writeInt32BE(b.partition, pos);
      pos = writeUvarint(frame, pos, b.records.length + 1);
      sealRecordBatch(b.records);
      frame.set(b.records, pos);
      pos += b.records.length;
      frame[pos++] = 0;
    }
    frame[pos++] = 0;
  }
  frame[pos++] = 0;
  if (pos !== frame.length) throw new Error(`Produce request framed as ${pos} bytes, expected ${frame.length}`);
  return frame;
}

/** The request of `b` alone, framed in the room around it; undefined when its head does not fit there. */
function frameInPlace(
  clientId: string | null,
  clientIdBytes: number,
  version: number,
  acks: number,
  timeoutMs: number,
  b: OutgoingBatch,
  room: Buffer,
): Buffer | undefined {
  const nameBytes = Buffer.byteLength(b.topic);
  const length = b.records.length;
  const head = headBytes(clientIdBytes, 1) + uvarintBytes(nameBytes + 1) + nameBytes + 1 + 4 + uvarintBytes(length + 1);
  if (head > FRAME_HEADROOM) return undefined;
  const frame = room.subarray(FRAME_HEADROOM - head, FRAME_HEADROOM + length + FRAME_TAILROOM);
  let pos = writeHead(frame, clientId, clientIdBytes, version, acks, timeoutMs, 1);
  pos = writeUvarint(frame, pos, nameBytes + 1);
  pos += frame.write(b.topic, pos);
  frame[pos++] = 2; // one partition
  pos = frame.writeInt32BE(b.partition, pos);
  pos = writeUvarint(frame, pos, length + 1);
  if (pos !== head) throw new Error(`Produce request head framed as ${pos} bytes, expected ${head}`);
  sealRecordBatch(b.records); // already in place: the frame is a view around it
  pos += length;
  frame[pos++] = 0; // partition tagged fields
  frame[pos++] = 0; // topic tagged fields
  frame[pos++] = 0; // body tagged fields
  return frame;
}

/** The answer of every partition, errors included (the caller classifies them). */
export function readProduceAnswers(
  _correlationId: number,
  _apiKey: number,
  _apiVersion: number,
  r: Reader,
): PartitionAnswer[] {
  const answers: PartitionAnswer[] = [];
  const topics = r.readUnsignedVarInt() - 1;
  for (let t = 0; t < topics; t++) {
    const topic = r.readString();
    const partitions = r.readUnsignedVarInt() - 1;
    for (let p = 0; p < partitions; p++) {
      const partition = r.readInt32();
      const errorCode = r.readInt16();
      const baseOffset = Number(r.readInt64());
      r.skip(16); // log_append_time_ms, log_start_offset
      let firstRecordError: string | null = null;
      const recordErrors = r.readUnsignedVarInt() - 1;
      for (let e = 0; e < recordErrors; e++) {
        r.skip(4); // batch_index
        const message = r.readNullableString();
        if (e === 0) firstRecordError = message;
        r.readTaggedFields();
      }
      const errorMessage = r.readNullableString() ?? firstRecordError;
      r.readTaggedFields();
      answers.push({ topic, partition, errorCode, baseOffset, errorMessage });
    }
    r.readTaggedFields();
  }
  return answers;
}
