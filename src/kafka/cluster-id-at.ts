/**
 * The cluster id asked of one bootstrap server alone, on an admin client of its own: KafkaReachability's probe of each
 * bootstrap server (wired by app.ts), so one that does not answer is told apart from the others.
 */
import type { ClientProperties, KafkaPort } from "./kafka-port.ts";

/**
 * `properties` (the worker's admin settings) with `broker` as the only bootstrap server and `timeoutMs` as
 * request.timeout.ms; the client is closed once it answered or failed, also when the caller stopped waiting.
 */
export async function clusterIdAt(
  kafka: KafkaPort,
  properties: ClientProperties,
  broker: string,
  timeoutMs: number,
): Promise<string> {
  const admin = await kafka.admin({
    ...properties,
    "bootstrap.servers": broker,
    "request.timeout.ms": String(timeoutMs),
  });
  try {
    return await admin.clusterId();
  } finally {
    void admin.close().catch(() => undefined);
  }
}
