/**
 * sendWithoutWithdrawn: one send of a request some records of which their task withdrew (SourceTaskSender.withdraw):
 * only the others (`live`, indexes into `records`) go to the producer, and everything the producer says of them is
 * told at the request's indexes, as if the whole request had been sent: each withdrawn record's metadata is null (not
 * written, done with: the task already answered it as not written). Called by SourceTaskSender, only for a request
 * holding a withdrawn record: the send of any other is the producer's own. (SendRecovery leaves withdrawn records out of
 * its retries itself: it keeps each record's outcome by index.)
 */
import type {
  KafkaProducer,
  ProducedMetadata,
  ProducerRecord,
  SendOptions,
  WithdrawableSendOptions,
} from "../kafka/kafka-port.ts";
import { writtenRecords } from "../kafka/send-rejection.ts";

export async function sendWithoutWithdrawn(
  producer: KafkaProducer,
  records: readonly ProducerRecord[],
  live: readonly number[],
  options?: SendOptions | WithdrawableSendOptions,
): Promise<(ProducedMetadata | null)[]> {
  const out = new Array<ProducedMetadata | null>(records.length).fill(null);
  if (live.length === 0) return out;
  const onWritten = options?.onWritten;
  const part: SendOptions | WithdrawableSendOptions | undefined = onWritten
    ? {
        ...options,
        onWritten: (indexes, metadata) =>
          onWritten(
            Int32Array.from(indexes, (k) => live[k]!),
            metadata,
          ),
      }
    : options;
  try {
    // A send with a withdrawKey holds null for a record the producer gave back.
    const metadata: readonly (ProducedMetadata | null)[] = await producer.send(
      live.map((i) => records[i]!),
      part,
    );
    for (let k = 0; k < live.length; k++) out[live[k]!] = metadata[k] ?? null;
    return out;
  } catch (error) {
    // A rejection listing the records written all the same (PartlyWritten) lists them at the request's indexes.
    const written = writtenRecords(error);
    if (written) {
      const all = new Array<ProducedMetadata | null>(records.length).fill(null);
      for (let k = 0; k < live.length; k++) all[live[k]!] = written[k] ?? null;
      Object.assign(error as object, { written: all });
    }
    throw error;
  }
}
