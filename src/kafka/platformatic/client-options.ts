/**
 * Kafka client properties → the options every @platformatic/kafka client takes (brokers, timeouts,
 * TLS, SASL). Used by the producer, admin and consumer of this adapter.
 */
import type { BaseOptions } from "@platformatic/kafka";
import { CLIENT_RETRIES, type ConnectionSettings, kafkaTlsOptions } from "../client-config.ts";

const SASL = { plain: "PLAIN", "scram-sha-256": "SCRAM-SHA-256", "scram-sha-512": "SCRAM-SHA-512" } as const;

export function baseOptions(c: ConnectionSettings): BaseOptions {
  return {
    clientId: c.clientId,
    bootstrapBrokers: c.brokers,
    connectTimeout: c.connectionTimeoutMs,
    requestTimeout: c.requestTimeoutMs,
    timeout: c.requestTimeoutMs,
    retries: CLIENT_RETRIES,
    retryDelay: c.retryBackoffMs,
    ...(c.tls ? { tls: kafkaTlsOptions(c.tls) } : {}),
    ...(c.sasl
      ? { sasl: { mechanism: SASL[c.sasl.mechanism], username: c.sasl.username, password: c.sasl.password } }
      : {}),
  };
}
