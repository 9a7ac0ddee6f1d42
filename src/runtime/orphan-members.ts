/**
 * The worker's orphan sweep: member ids this gateway's sink consumers were given
 * (consumer-member-store.ts) that no task of their connector will fence any more, because the
 * connector was deleted while the gateway was down (`gateway delete-connector`), it runs fewer
 * tasks, or its group or client id changed. A consumer killed with -9 under such an id would stay in
 * its group until its session.timeout.ms ran out, holding every rebalance of the group (a
 * connector sharing it with `consumer.override.group.id` included). The sweep removes those still in
 * their group with their client id (own-predecessors.ts, as a task's own fencing), on the
 * connector's admin client (its `admin.override.*` keys; the worker's for a deleted connector), then
 * forgets them. Called by the Herder at start (once the stored task configs are known, beside the
 * tasks' starts) and after a task reconfiguration, never awaited by either (a stop awaits it, up to
 * a limit; one still going then opens no admin client). A group coordinator not ready
 * (COORDINATOR_LOAD_IN_PROGRESS on a broker loading __consumer_offsets, COORDINATOR_NOT_AVAILABLE,
 * NOT_COORDINATOR) is asked again with backoff, as Java's admin client retries these until its
 * default.api.timeout.ms, but no more once the worker stops: the longest pause (retry.backoff.max.ms)
 * is well within the stop's wait. A sweep that fails (Kafka not reached, a refused ACL, a coordinator
 * still not ready) logs one WARN per connector and keeps its ids for the next one. A connector's
 * sweeps run one after the other (`inFlight`): one asked for while another retries (a reconfiguration
 * during the start's) reads the ids once that one is done, so no id is removed, and logged, twice.
 */
import type { Config } from "../api/connector.ts";
import { COORDINATOR_NOT_READY } from "../kafka/coordinator-wait-policy.ts";
import type { KafkaAdmin } from "../kafka/kafka-port.ts";
import { adminGroup, fenceOwnPredecessors } from "../kafka/own-predecessors.ts";
import { kafkaErrorOf } from "../kafka/send-rejection.ts";
import type { PluginRegistry } from "../plugin/registry.ts";
import type { ConsumerMemberStore, StoredMember } from "../store/consumer-member-store.ts";
import { kafkaClientBackoff, retry } from "../util/backoff.ts";
import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import type { WorkerConfig } from "../worker-config.ts";
import { connectorPlugin } from "./connector-plugin.ts";
import type { ResolveConfig } from "./resolved-values.ts";
import { sinkGroupId } from "./task-builder.ts";
import { taskClientProperties } from "./task-clients.ts";

/** A stored connector as the sweep reads it: its config and how many task configs it has. */
export interface StoredConnector {
  readonly config: Config;
  readonly tasks: number;
}

export interface OrphanSweepDeps {
  readonly config: WorkerConfig;
  readonly registry: PluginRegistry;
  readonly resolveConfig: ResolveConfig;
  readonly members: ConsumerMemberStore;
  /** The stored connector; undefined when it no longer exists. */
  readonly connector: (name: string) => StoredConnector | undefined;
  /**
   * Whether the worker is stopping: a sweep past the stop's wait for it (herder.ts) opens no admin
   * client (the worker's may be closed already) and keeps its ids for the next start.
   */
  readonly stopping: () => boolean;
  /** Runs `use` with the connector's admin client, or the worker's for a connector that no longer exists. */
  readonly withAdmin: <T>(config: Config | undefined, use: (admin: KafkaAdmin) => Promise<T>) => Promise<T>;
  readonly log: Logger;
  /** The pauses between a not-ready coordinator's answers and their bound run on it. */
  readonly clock?: Clock;
  /** Each connector's last sweep asked for (running, or waiting for the one before it); kept by the caller across sweeps. */
  readonly inFlight: Map<string, Promise<void>>;
}

/** Java's admin client defaults, as it backs off: retry.backoff.ms doubling to retry.backoff.max.ms, ±20 % jitter. */
const COORDINATOR_BACKOFF = (attempt: number) => kafkaClientBackoff(100, 1_000, attempt, Math.random);
/** How long a group's not-ready coordinator is asked again: Java's admin default.api.timeout.ms. */
export const COORDINATOR_RETRY_TIMEOUT_MS = 60_000;

const pairKey = (groupId: string, clientId: string) => `${groupId}\u0000${clientId}`;

/**
 * The (group id, client id) pairs whose member ids the connector's tasks fence themselves: a sink
 * task's group and default client id (a configured client.id is never fenced on: task-clients.ts).
 */
function fencedByTasks(deps: OrphanSweepDeps, name: string, config: Config, tasks: number): Set<string> {
  const inUse = new Set<string>();
  const groupId = sinkGroupId(name, config);
  for (let task = 0; task < tasks; task++) {
    const clients = taskClientProperties(deps.config, { connector: name, task }, config);
    if (clients.consumerFencesPredecessors) inUse.add(pairKey(groupId, clients.consumer["client.id"] ?? ""));
  }
  return inUse;
}

/**
 * The stored ids no task of the connector fences, per (group id, client id) pair: all of them for a
 * connector deleted or no sink (its class resolved first when given by reference: connector-plugin.ts;
 * a provider's failure fails the sweep, which keeps them). The connector's config is resolved (its
 * providers asked) only when its stored form leaves a row unfenced: resolving replaces references
 * only, and a pair that still holds one matches no stored row.
 */
async function orphanedPairs(
  deps: OrphanSweepDeps,
  name: string,
  stored: StoredConnector | undefined,
  rows: readonly StoredMember[],
): Promise<StoredMember[][]> {
  const pairs = new Map<string, StoredMember[]>();
  for (const row of rows) {
    const key = pairKey(row.groupId, row.clientId);
    const pair = pairs.get(key);
    if (pair) pair.push(row);
    else pairs.set(key, [row]);
  }
  if (!stored || (await connectorPlugin(deps.registry, stored.config, deps.resolveConfig))?.type !== "sink")
    return [...pairs.values()];
  let inUse = fencedByTasks(deps, name, stored.config, stored.tasks);
  if ([...pairs.keys()].some((key) => !inUse.has(key)))
    inUse = fencedByTasks(deps, name, await deps.resolveConfig(stored.config), stored.tasks);
  return [...pairs].filter(([key]) => !inUse.has(key)).map(([, pair]) => pair);
}

/**
 * Sweeps one connector's orphaned member ids; throws what kept them (they stay for the next sweep).
 * Only the ids of `rows`, read with the task count, are removed and forgotten: a task of an orphaned
 * pair that starts meanwhile (tasks.max raised, the connector resumed) stores its live id under it.
 */
async function sweepConnector(deps: OrphanSweepDeps, name: string, rows: readonly StoredMember[]): Promise<void> {
  const stored = deps.connector(name);
  const orphans = await orphanedPairs(deps, name, stored, rows);
  if (orphans.length === 0 || deps.stopping()) return;
  await deps.withAdmin(stored?.config, async (admin) => {
    for (const pair of orphans) {
      const { groupId, clientId } = pair[0]!;
      const snapshot = pair.map((row) => row.memberId);
      // A stop during a pause ends the sweep at the pause's end with the last refusal, before asking Kafka again.
      let refusal: unknown;
      const removed = await retry(
        (attempt) => {
          if (attempt > 0 && deps.stopping()) throw refusal;
          return fenceOwnPredecessors(
            { ...deps.members.predecessors(name, groupId, clientId), remembered: () => snapshot },
            clientId,
            adminGroup(admin, groupId),
          );
        },
        {
          policy: COORDINATOR_BACKOFF,
          maxAttempts: Number.POSITIVE_INFINITY,
          timeoutMs: COORDINATOR_RETRY_TIMEOUT_MS,
          clock: deps.clock,
          classify: (error) => {
            refusal = error;
            return { retriable: COORDINATOR_NOT_READY.has(kafkaErrorOf(error) ?? "") && !deps.stopping() };
          },
        },
      );
      for (const memberId of removed)
        deps.log.info(
          `Removed the dead consumer ${memberId} (client ${clientId}) of connector ${name}'s former sink task from group ${groupId}`,
        );
    }
  });
}

/** The member ids kept of `connectors`' consumers (every connector's when none named); undefined, said, when they cannot be read. */
function storedMembers(deps: OrphanSweepDeps, connectors?: readonly string[]): StoredMember[] | undefined {
  try {
    return deps.members.all().filter((row) => !connectors || connectors.includes(row.connector));
  } catch (error) {
    deps.log.warn("Could not read the member ids of sink consumers whose tasks no longer run", error);
    return undefined;
  }
}

/** Sweeps the connector's ids as they are once its sweep in flight, if any, is done. Never rejects. */
function afterInFlight(deps: OrphanSweepDeps, name: string): Promise<void> {
  const sweep = async () => {
    // The worker stopped meanwhile (its stores may be closed): the ids stay for the next start.
    if (deps.stopping()) return;
    const rows = storedMembers(deps, [name]);
    if (!rows || rows.length === 0) return;
    await sweepConnector(deps, name, rows).catch((error) =>
      deps.log.warn(
        `Could not remove the dead consumers of connector ${name}'s former sink tasks from their groups; trying again at the next start`,
        error,
      ),
    );
  };
  const next = (deps.inFlight.get(name) ?? Promise.resolve()).then(sweep);
  deps.inFlight.set(name, next);
  void next.finally(() => {
    if (deps.inFlight.get(name) === next) deps.inFlight.delete(name);
  });
  return next;
}

/** Sweeps the orphaned member ids of `connectors` (every connector with ids kept when none named). */
export async function fenceOrphanMembers(deps: OrphanSweepDeps, connectors?: readonly string[]): Promise<void> {
  const rows = storedMembers(deps, connectors);
  if (!rows) return;
  await Promise.all([...new Set(rows.map((row) => row.connector))].map((name) => afterInFlight(deps, name)));
}
