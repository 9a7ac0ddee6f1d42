/**
 * Test support: a PlatformaticProducer on a fake transport (a broker class of the test), with the
 * settings unit tests share: 5 requests in flight, 1 MiB requests, 10 retries 1 ms apart, delivery
 * timeout 120 s, no gzip, batch.size 16384 for the sticky partitioner unless `batchBytes` is given, adaptive
 * partitioning on (the producer's own wiring of it) with partitioner.availability.timeout.ms 0 unless given.
 * Used by the producer's tests and the runtime's source task tests.
 */
import { ConnectError, RetriableError } from "../../errors.ts";
import type { ProducerRecord } from "../kafka-port.ts";
import { NO_COMPRESSION } from "../record-codecs.ts";
import type { PipelineSettings } from "./pipeline-settings.ts";
import { ProducePipeline } from "./produce-pipeline.ts";
import type { ProduceTransport } from "./produce-transport.ts";
import { PlatformaticProducer } from "./producer.ts";

export interface TestProducerOptions {
  /** enable.idempotence, for the pipeline and the producer (default true). */
  readonly idempotent?: boolean;
  readonly keepOrderAfterRefusal?: boolean;
  /** batch.size of the pipeline and the sticky partitioner. */
  readonly batchBytes?: number;
  /** The pipeline's errors (default: RetriableError or ConnectError, as the real producer makes them). */
  readonly error?: PipelineSettings["error"];
  /** What `close()` and `forceClose()` (`force`) do after the producer's own part (default: nothing to wait for). */
  readonly onClose?: (pipeline: ProducePipeline, admitted: Promise<unknown>, force: boolean) => Promise<void>;
  /** The pipeline's clock (default performance.now). */
  readonly now?: () => number;
  /** metadata.max.idle.ms (default 300000). */
  readonly metadataMaxIdleMs?: number;
  /**
   * partitioner.adaptive.partitioning.enable (default true, as Java's; with `random` 0 it picks as uniform placement
   * does, unless a broker is left out).
   */
  readonly adaptive?: boolean;
  /** partitioner.availability.timeout.ms (default 0: off). */
  readonly availabilityTimeoutMs?: number;
  /** The sticky partitioner's random draws in [0, 1) (default 0: the first candidate from the partition it leaves). */
  readonly random?: () => number;
}

export function testProducer(transport: ProduceTransport, options: TestProducerOptions = {}): PlatformaticProducer {
  const idempotent = options.idempotent ?? true;
  const pipeline = new ProducePipeline(
    transport,
    {
      keepOrderAfterRefusal: options.keepOrderAfterRefusal ?? false,
      ...(options.batchBytes ? { batchBytes: options.batchBytes } : {}),
      ...(options.metadataMaxIdleMs ? { metadataMaxIdleMs: options.metadataMaxIdleMs } : {}),
      ...(options.availabilityTimeoutMs ? { availabilityTimeoutMs: options.availabilityTimeoutMs } : {}),
      idempotent,
      maxInFlight: 5,
      maxRequestBytes: 1_048_576,
      deliveryTimeoutMs: 120_000,
      retries: 10,
      retryBackoffMs: 1,
      error:
        options.error ??
        ((message, retriable) => (retriable ? new RetriableError(message) : new ConnectError(message))),
    },
    options.now,
  );
  const onClose = options.onClose;
  return new PlatformaticProducer(
    pipeline,
    5,
    idempotent,
    NO_COMPRESSION,
    onClose ? (admitted, force) => onClose(pipeline, admitted, force) : async () => {},
    {
      batchBytes: options.batchBytes ?? 16_384,
      adaptive: options.adaptive ?? true,
      random: options.random ?? (() => 0),
    },
  );
}

/** A record of `topic` without key or headers, `value` its bytes, timestamp 1; `partition` null: keyless placement. */
export const testRecord = (partition: number | null, value: string, topic = "t"): ProducerRecord => ({
  topic,
  partition,
  key: null,
  value: new TextEncoder().encode(value),
  headers: [],
  timestamp: 1,
});
