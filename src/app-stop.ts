/**
 * The steps of App.stop (app.ts builds them with its parts; `stop-steps.ts` runs them): the
 * listeners first, so no new request arrives while the tasks stop and commit, then the herder,
 * the clients and the store. A listener's close is bounded: past its limit the stop goes on without
 * it, so the tasks still stop and commit (Connect's Jetty bounds its REST server's stop the same way).
 */
import type { ConfigProvider } from "./config-providers/config-provider.ts";
import { closeConfigProviders } from "./config-providers/config-transformer.ts";
import type { StopStep } from "./stop-steps.ts";

/**
 * How long a listener's close may take past its drain before the stop goes on without it: the
 * REST listeners close their connections at once and the ingest listeners after their drain, so
 * only a fault takes longer; the tasks must still get their graceful timeout within the stop limit.
 */
export const LISTENER_CLOSE_LIMIT_MS = 5000;

interface Stoppable {
  stop(): Promise<void> | void;
}

export interface AppParts {
  readonly rest: Stoppable;
  readonly reachability: Stoppable;
  readonly ingest: Stoppable;
  readonly herder: Stoppable;
  readonly worker: { closeAdmin(): Promise<void> };
  readonly configProviders?: ReadonlyMap<string, ConfigProvider>;
  /** The ingest spool, when one was opened. */
  readonly spool: () => Promise<{ close(): Promise<void> | void } | undefined> | undefined;
  readonly db: { close(): void };
  /** The ingest listeners' drain (task.shutdown.graceful.timeout.ms). */
  readonly drainMs: number;
  readonly closeLimitMs?: number;
}

export function appStopSteps(parts: AppParts): StopStep[] {
  const closeLimitMs = parts.closeLimitMs ?? LISTENER_CLOSE_LIMIT_MS;
  const providers = parts.configProviders;
  return [
    { name: "the REST listeners", run: () => parts.rest.stop(), limitMs: closeLimitMs },
    { name: "the Kafka reachability check", run: () => parts.reachability.stop() },
    { name: "the ingest listeners", run: () => parts.ingest.stop(), limitMs: parts.drainMs + closeLimitMs },
    { name: "the connectors and tasks", run: () => parts.herder.stop() },
    { name: "the worker's admin client", run: () => parts.worker.closeAdmin() },
    { name: "the config providers", run: async () => void (providers && (await closeConfigProviders(providers))) },
    { name: "the ingest spool", run: async () => (await parts.spool())?.close() },
    { name: "the data file", run: () => parts.db.close() },
  ];
}
