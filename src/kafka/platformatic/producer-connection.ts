/**
 * The connection of a PlatformaticProducer (connectPlatformaticProducer, called by adapter.ts on first use): Kafka client
 * properties → the library's client, the PlatformaticTransport over it, the ProducePipeline the producer sends
 * through and how its StickyPartitioner places keyless records (Partitioning). Connects, authenticates and
 * (idempotent) gets the producer id before the producer is handed out.
 *
 * Its close is the producer's `onClose`: as Java's close(), the sends in flight or waiting for metadata get
 * request.timeout.ms to be acknowledged, then the rest fails and the connections close; `forceClose`'s (Java's
 * close(Duration.ZERO)) closes the connections at once. The connections close once however often asked.
 */
import { Producer } from "@platformatic/kafka";
import { ConnectError, RetriableError } from "../../errors.ts";
import { connectionSettings, producerSettings } from "../client-config.ts";
import type { ClientProperties, KafkaProducer, ProducerOptions } from "../kafka-port.ts";
import { baseOptions } from "./client-options.ts";
import { wrap } from "./errors.ts";
import { ProducePipeline } from "./produce-pipeline.ts";
import { PlatformaticTransport, requireFramedSend } from "./produce-transport.ts";
import { PlatformaticProducer } from "./producer.ts";

/** A connected producer from Kafka client properties (idempotent ones have their producer id). */
export async function connectPlatformaticProducer(
  properties: ClientProperties,
  onRetry?: (message: string) => void,
  producerOptions: ProducerOptions = {},
): Promise<KafkaProducer> {
  requireFramedSend(); // before anything connects: one clear error, not every request failing
  const p = producerSettings(properties);
  const c = connectionSettings(properties);
  const options = baseOptions(c);
  const client = new Producer<Buffer, Buffer, Buffer, Buffer>({ ...options, autocreateTopics: true });
  const transport = new PlatformaticTransport(
    client,
    c.clientId,
    {
      connectTimeout: c.connectionTimeoutMs,
      requestTimeout: c.requestTimeoutMs,
      maxInflights: p.maxInFlight,
      ...(options.tls ? { tls: options.tls } : {}),
      ...(options.sasl ? { sasl: options.sasl } : {}),
    },
    p.acks,
    p.requestTimeoutMs,
  );
  const pipeline = new ProducePipeline(transport, {
    idempotent: p.idempotent,
    maxInFlight: p.maxInFlight,
    maxRequestBytes: p.maxRequestBytes,
    batchBytes: p.batchBytes,
    maxInFlightBytes: p.bufferMemory,
    deliveryTimeoutMs: p.deliveryTimeoutMs,
    requestTimeoutMs: p.requestTimeoutMs,
    retries: p.retries,
    retryBackoffMs: c.retryBackoffMs,
    retryBackoffMaxMs: p.retryBackoffMaxMs,
    metadataMaxAgeMs: p.metadataMaxAgeMs,
    metadataMaxIdleMs: p.metadataMaxIdleMs,
    availabilityTimeoutMs: p.availabilityTimeoutMs,
    keepOrderAfterRefusal: producerOptions.keepOrderAfterRefusal ?? false,
    error: (message, retriable, cause) =>
      retriable ? new RetriableError(message, { cause }) : new ConnectError(message, { cause }),
    ...(onRetry ? { onRetry } : {}),
  });
  transport.onDisconnect((node) => pipeline.disconnected(node));
  /** Closes the connections, once however often asked (a forced close during a graceful one). */
  let disconnected: Promise<void> | undefined;
  const disconnect = (graceMs?: number) =>
    (disconnected ??= (async () => {
      await transport.close(graceMs).catch(() => undefined);
      await client.close().catch(() => undefined);
    })());
  const close = async (admitted: Promise<unknown> = Promise.resolve(), force = false) => {
    if (force) return disconnect(0);
    // Java's close(): what is in flight or being admitted gets its chance (bounded), then the rest fails.
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      admitted.then(() => pipeline.accumulator.drained()),
      new Promise((resolve) => {
        timer = setTimeout(resolve, c.requestTimeoutMs);
      }),
    ]);
    clearTimeout(timer);
    pipeline.close(new ConnectError("The producer was closed before the records were acknowledged"));
    await disconnect();
  };
  try {
    // Connects, authenticates and (idempotent) gets a producer id now, as kafkajs' connect() does.
    await client.metadata({ topics: [] });
    if (p.idempotent) await pipeline.start();
  } catch (error) {
    await close().catch(() => undefined);
    throw wrap(error, "Failed to connect the producer");
  }
  return new PlatformaticProducer(pipeline, p.maxInFlight, p.idempotent, p.compression, close, {
    batchBytes: p.batchBytes,
    ignoresKeys: p.ignoreKeys,
    adaptive: p.adaptivePartitioning,
  });
}
