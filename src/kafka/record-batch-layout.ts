/**
 * Where the fields of a record batch of format v2 (Kafka's DefaultRecordBatch) sit, for the code that
 * writes batches (platformatic/record-batch.ts, record-batch-pieces.ts) and the code that checks
 * fetched ones (batch-integrity.ts, platformatic/batch-decoding.ts).
 */

/** The header: baseOffset … recordCount (DefaultRecordBatch.RECORD_BATCH_OVERHEAD). */
export const BATCH_OVERHEAD = 61;
export const MAGIC_OFFSET = 16;
export const CRC_OFFSET = 17;
/** Where the CRC-32C's range starts, to the batch's end. */
export const ATTRIBUTES_OFFSET = 21;
export const BASE_TIMESTAMP_OFFSET = 27;
export const PRODUCER_ID_OFFSET = 43;
export const RECORD_COUNT_OFFSET = 57;
/** The codec's bits of the attributes. */
export const COMPRESSION_MASK = 0x07;
