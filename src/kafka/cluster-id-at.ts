/**
 * The cluster id asked of one bootstrap server alone, on an admin client of its own: KafkaReachability's probe of each
 * bootstrap server (wired by app.ts), so one that does not answer is told apart from the others.
 *
 * The client lives no longer than the probe: it makes no retries of its own, its request.timeout.ms ends a little
 * before the probe's limit (so a broker that does not answer has timed out in the library, and is remembered by every
 * client of the process before the probe gives up on it: scripts/patches/bootstrap-unresponsive.mjs with the default
 * client, scripts/patches/kafkajs-seed-broker.mjs with kafkajs), and it is closed once the probe gave up (`signal`).
 * One connection to a frozen broker per probe.
 */
import type { ClientProperties, KafkaPort } from "./kafka-port.ts";

/** How much sooner than the probe's limit the client's requests time out. */
const REQUEST_TIMEOUT_MARGIN_MS = 500;

/**
 * `properties` (the worker's admin settings) with `broker` as the only bootstrap server, one try (`oneTry`: the client
 * makes no retries whatever the settings' `retries`, which has no effect on admin clients), and request.timeout.ms
 * (and its connection's setup time) below `limitMs`; the client is closed once it answered or failed, or when
 * `signal` aborts (then the call fails).
 */
export async function clusterIdAt(
  kafka: KafkaPort,
  properties: ClientProperties,
  broker: string,
  limitMs: number,
  signal?: AbortSignal,
): Promise<string> {
  const requestTimeoutMs = String(probeRequestTimeoutMs(limitMs));
  const admin = await kafka.admin(
    {
      ...properties,
      "bootstrap.servers": broker,
      "request.timeout.ms": requestTimeoutMs,
      "socket.connection.setup.timeout.ms": requestTimeoutMs,
    },
    { ...(signal ? { signal } : {}), oneTry: true },
  );
  const aborted = new Promise<never>((_, reject) => {
    const abort = () => reject(signal?.reason);
    if (signal?.aborted) abort();
    signal?.addEventListener("abort", abort, { once: true });
  });
  aborted.catch(() => {});
  try {
    return await Promise.race([admin.clusterId(), aborted]);
  } finally {
    void admin.close().catch(() => undefined);
  }
}

/** request.timeout.ms of a probe given `limitMs`: a little below it, not below half of it. */
export function probeRequestTimeoutMs(limitMs: number): number {
  return Math.max(limitMs - REQUEST_TIMEOUT_MARGIN_MS, Math.ceil(limitMs / 2));
}
