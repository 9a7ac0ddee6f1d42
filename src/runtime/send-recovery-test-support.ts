/**
 * What the SendRecovery tests share: a recovery over a producer that writes to one log and fails as
 * a test tells it (send-recovery.test.ts, send-recovery-failures.test.ts).
 */
import type { RecordRejection } from "../api/connector.ts";
import type { SourceRecord } from "../api/record.ts";
import { ConnectError, RetriableError } from "../errors.ts";
import type { KafkaProducer, ProducedMetadata } from "../kafka/kafka-port.ts";
import { withKafkaError } from "../kafka/send-rejection.ts";
import { LogManager } from "../util/logger.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { SendRecovery, type SendRecoveryOptions } from "./send-recovery.ts";
import { taskBasics } from "./task-test-support.ts";
export const decode = (b: Uint8Array | null) => new TextDecoder().decode(b!);

export const meta = (offset: number): ProducedMetadata => ({ topic: "t", partition: 0, offset, timestamp: 1 });

/**
 * A producer that writes to one log, refuses a send holding "BAD" (INVALID_RECORD, going on), fails the next
 * `unreachable` sends retriably and the next `partly` sends retriably after writing their first record
 * (PartlyWritten); a recovery over it with a clock the test drives and a stop signal (`stop`).
 */
export function recoveryOver(o: { unreachable?: number; partly?: number; rejectsRecords?: boolean } = {}) {
  const log: string[] = [];
  const sends: string[][] = [];
  const failedSends: KafkaProducer[] = [];
  const failures = { unreachable: o.unreachable ?? 0, partly: o.partly ?? 0 };
  const producer: KafkaProducer = {
    failed: false,
    close: async () => {},
    async send(records) {
      const values = records.map((r) => decode(r.value));
      sends.push(values);
      if (failures.unreachable-- > 0) throw new RetriableError("Connection refused");
      if (failures.partly-- > 0) {
        log.push(values[0]!);
        const written = values.map((_, i) => (i === 0 ? meta(log.length - 1) : null));
        throw Object.assign(new RetriableError("NOT_ENOUGH_REPLICAS"), { written });
      }
      if (values.includes("BAD"))
        throw withKafkaError(new ConnectError("Kafka rejected: INVALID_RECORD"), "INVALID_RECORD");
      log.push(...values);
      return values.map((_, i) => meta(log.length - values.length + i));
    },
  };
  const clock = new ManualClock();
  const basics = taskBasics("none");
  const rejections = new Map<SourceRecord, RecordRejection>();
  const stop = new AbortController();
  const lines: string[] = [];
  /** The producer to send with; none once stopping (`SendRecoveryOptions.producerFor`). A test may replace it. */
  const hooks: { producerFor: SendRecoveryOptions["producerFor"] } = {
    producerFor: async () => (stop.signal.aborted ? undefined : producer),
  };
  const recovery = new SendRecovery({
    ...basics,
    log: new LogManager({ sink: (line) => void lines.push(line) }).get("test"),
    clock,
    rejectsRecords: o.rejectsRecords ?? true,
    rejections,
    stopSignal: () => stop.signal,
    producerFor: (records) => hooks.producerFor(records),
    sendFailed: (p) => void failedSends.push(p),
  });
  return { recovery, log, sends, failedSends, clock, rejections, stop, hooks, lines };
}

export const offsets = (metadata: readonly (ProducedMetadata | null)[]) => metadata.map((m) => m?.offset ?? null);
