/**
 * The worker's health as KIP-1017's `GET /health` reports it, for standalone mode: `starting`
 * until the herder has started the stored connectors; `healthy` once the herder's executor has run
 * everything queued before the check (standalone Connect takes the herder's lock, so a herder stuck
 * in an operation answers late); `unhealthy` when that takes longer than the health check timeout
 * (Connect's RestServer.DEFAULT_HEALTH_CHECK_TIMEOUT_MS, 10 s). Called by Herder.health().
 */
import type { Clock } from "../util/clock.ts";

export type WorkerHealth = "healthy" | "starting" | "unhealthy";

export const HEALTH_CHECK_TIMEOUT_MS = 10_000;

export interface HealthCheckable {
  readonly ready: boolean;
  /** Resolves once the herder has done everything asked of it before this call. */
  healthCheck(): Promise<void>;
}

export async function workerHealth(
  herder: HealthCheckable,
  clock: Clock,
  timeoutMs = HEALTH_CHECK_TIMEOUT_MS,
): Promise<WorkerHealth> {
  if (!herder.ready) return "starting";
  const timer = new AbortController();
  try {
    const answered = await Promise.race([
      herder.healthCheck().then(() => true),
      clock.sleep(timeoutMs, timer.signal).then(() => false),
    ]);
    if (answered) return "healthy";
    return herder.ready ? "unhealthy" : "starting";
  } finally {
    timer.abort();
  }
}
