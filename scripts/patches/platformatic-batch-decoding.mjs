// @platformatic/kafka's record reader handing each whole fetched batch to the consumer's decoder, applied by
// scripts/patch-dependencies.mjs with the others: the library decompresses and reads every fetched batch while a Fetch
// answer is parsed, with no CRC check and no bound; it hands each whole batch to `batchDecoding.current` (exported by
// the patched records.js) when the consumer sets it (src/kafka/platformatic/batch-decoding.ts: check.crcs, the
// decompressed-size bound), which returns its records' bytes, the records it read itself
// (src/kafka/platformatic/batch-records.ts), or why the batch is invalid. A batch whose length is below a v2 batch's
// header (damaged) is not read as one. Their tests: src/kafka/dependency-patches.test.ts ("its record reader hands each
// whole batch"), src/kafka/platformatic/batch-decoding.test.ts and src/kafka/platformatic/batch-records.test.ts.
// No patch's `to` contains its `from` (an insertion's `from` spans the point it inserts at): a patch edited without a
// `was` form then fails the install on a file an earlier form patched, instead of inserting its text a second time.

/** The records a batch decoder read itself (src/kafka/platformatic/batch-records.ts) are the batch's. */
const READ_BY_DECODER = `    if (Array.isArray(records)) {
        batch.records = records;
        return batch;
    }
`;

/**
 * The form an earlier version of scripts/patch-dependencies.mjs applied a patch in (in `was`): the batch decoder was
 * handed each batch as one Buffer (`.buffer`: a copy of a batch that spans the answer's chunks) and
 * returned its records' bytes only.
 */
const earlierForm = (to) =>
  to
    .replace(READ_BY_DECODER, "")
    .replace("subarray(start, end)); // in place: views of the answer's chunks", "subarray(start, end).buffer);")
    .replace("current(head);", "current(head.buffer);");

export const platformaticBatchDecodingPatches = [
  {
    file: "node_modules/@platformatic/kafka/dist/protocol/records.js",
    from: `export function readRecordsBatch(reader) {
    const initialPosition = reader.position;
    const batch = {`,
    to: `// edge-gateway patch: while a consumer's Fetch answer is parsed (synchronously), \`batchDecoding.current\`
// is its batch decoder: it checks each whole batch (CRC-32C, decompressed size) and returns its records'
// bytes, or why the batch is invalid (kept as \`batch.invalid\`, no records read).
export const batchDecoding = { current: null };
export function readRecordsBatch(reader) {
    const initialPosition = reader.position;
    const decode = batchDecoding.current;
    if (decode !== null) {
        return readCheckedRecordsBatch(reader, decode);
    }
    const batch = {`,
  },
  {
    file: "node_modules/@platformatic/kafka/dist/protocol/records.js",
    from: `        batch.records.push(readRecord(reader));
    }
    return batch;
}
export function readRecordsBatches(reader) {`,
    to: `        batch.records.push(readRecord(reader));
    }
    return batch;
}
function readCheckedRecordsBatch(reader, decode) { // edge-gateway patch
    const start = reader.position;
    const batch = {
        firstOffset: reader.readInt64(),
        length: reader.readInt32(),
        partitionLeaderEpoch: reader.readInt32(),
        magic: reader.readInt8(),
        crc: reader.readUnsignedInt32(),
        attributes: reader.readInt16(),
        lastOffsetDelta: reader.readInt32(),
        firstTimestamp: reader.readInt64(),
        maxTimestamp: reader.readInt64(),
        producerId: reader.readInt64(),
        producerEpoch: reader.readInt16(),
        firstSequence: reader.readInt32(),
        records: []
    };
    const recordsLength = reader.readInt32();
    const end = start + INT64_SIZE + INT32_SIZE + batch.length;
    const records = decode(reader.buffer.subarray(start, end)); // in place: views of the answer's chunks
    reader.skip(end - reader.position);
    if (typeof records === 'string') {
        batch.invalid = records;
        return batch;
    }
${READ_BY_DECODER}    const recordsReader = Reader.from(records);
    for (let i = 0; i < recordsLength; i++) {
        batch.records.push(readRecord(recordsReader));
    }
    return batch;
}
export function readRecordsBatches(reader) {`,
    // 7cf4e827's: the views already, the decoder's own records not yet
    was: [earlierForm, (to) => to.replace(READ_BY_DECODER, "")],
  },
  {
    file: "node_modules/@platformatic/kafka/dist/protocol/records.js",
    from: `        reader.remaining - BATCH_HEAD >= reader.peekInt32(reader.position + INT64_SIZE)) {
        batches.push(readRecordsBatch(reader));
    }
    return batches;`,
    // edge-gateway patch: a batch whose length is below a v2 batch's header (damaged) is not read as one:
    // its header would be read past its end, a negative length back over itself (forever)
    to: `        reader.remaining - BATCH_HEAD >= reader.peekInt32(reader.position + INT64_SIZE)) {
        const length = reader.peekInt32(reader.position + INT64_SIZE);
        if (batchDecoding.current !== null && length < 49) { // edge-gateway patch: smaller than a v2 batch's header
            const head = reader.buffer.subarray(reader.position, reader.position + BATCH_HEAD + Math.max(length, 0));
            const invalid = batchDecoding.current(head);
            batches.push({ firstOffset: reader.readInt64(), length, records: [], invalid });
            break;
        }
        batches.push(readRecordsBatch(reader));
    }
    return batches;`,
    was: [earlierForm],
  },
];
