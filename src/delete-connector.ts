/**
 * `gateway delete-connector [worker.properties] <name>`: deletes a connector from gateway.db while
 * the gateway is stopped, for a connector the REST API cannot address (a name with `/`, which
 * Connect 4.3.1 creates too and then answers 400 `Ambiguous URI path separator` for; Connect's
 * operator writes a tombstone to the config topic instead). It removes what a REST DELETE
 * /connectors/{name} removes (herder.ts deleteConnector), through the same store methods: the
 * config with its target state and task configs, the statuses, the active topics, the ingest
 * Idempotency-Keys; source offsets stay, as Connect keeps them. The member ids its sink consumers
 * were given (consumer-member-store.ts) stay too: the gateway cannot reach Kafka here, and a consumer
 * killed with -9 may still be in its group, so the next start's orphan sweep (orphan-members.ts)
 * removes it there, then forgets them. Called by main.ts.
 *
 * The file must exist (nothing is created), must not be in use (a running gateway holds its
 * exclusive lock, so the command fails with StoreLockedError and changes nothing), and must have
 * this gateway's schema: an older or newer one is refused, not migrated (an older gateway refuses a
 * migrated file, so the command would lock the operator out of the version they run).
 */

import { NotFoundError } from "./errors.ts";
import { ConfigStore } from "./store/config-store.ts";
import { connectorMemberCount } from "./store/consumer-member-store.ts";
import { openDatabase } from "./store/database.ts";
import { durably } from "./store/durable-write.ts";
import { deleteConnectorKeys } from "./store/idempotency-store.ts";
import { StatusStore } from "./store/status-store.ts";

/** What the command removed, for its report. */
export interface RemovedConnector {
  readonly name: string;
  readonly targetState: string;
  readonly taskConfigs: number;
  readonly statuses: number;
  readonly activeTopics: readonly string[];
  readonly idempotencyKeys: number;
  /** Member ids its sink consumers were given, kept for the next start to remove from their groups. */
  readonly consumerMembers: number;
}

/**
 * Deletes connector `name` from `<dataDir>/gateway.db` in one durable transaction. Throws
 * NotFoundError (Connect's wording) when there is no such connector, StoreError when the file is
 * missing or its schema is not this gateway's, StoreLockedError when a gateway runs on it.
 */
export function deleteConnectorOffline(dataDir: string, name: string): RemovedConnector {
  const db = openDatabase(dataDir, { create: false, migrate: false });
  try {
    const configs = new ConfigStore(db);
    const statuses = new StatusStore(db);
    return durably(db, () => {
      const stored = configs.get(name);
      if (!stored) throw new NotFoundError(`Connector ${name} not found`);
      const removed = {
        name,
        targetState: stored.targetState,
        taskConfigs: stored.taskConfigs.length,
        statuses: (statuses.connector(name) ? 1 : 0) + statuses.tasks(name).length,
        activeTopics: statuses.topics(name),
      };
      configs.remove(name);
      statuses.removeConnector(name);
      statuses.resetTopics(name);
      // Kept: the next start's orphan sweep removes those still in their groups (a sink task killed
      // with -9 would otherwise hold a group it shares for session.timeout.ms), then forgets them.
      const consumerMembers = connectorMemberCount(db, name);
      return { ...removed, idempotencyKeys: deleteConnectorKeys(db, name).keys, consumerMembers };
    });
  } finally {
    db.close();
  }
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The command's report: what was removed, and that source offsets stay. */
export function describeRemoved(removed: RemovedConnector): string {
  const topics = removed.activeTopics;
  return [
    `Deleted connector ${removed.name}:`,
    `  its config (target state ${removed.targetState})`,
    `  ${count(removed.taskConfigs, "task config")}`,
    `  ${count(removed.statuses, "status", "statuses")} (connector and tasks)`,
    `  ${count(topics.length, "active topic")}${topics.length > 0 ? `: ${topics.join(", ")}` : ""}`,
    `  ${count(removed.idempotencyKeys, "Idempotency-Key")}`,
    `  ${count(removed.consumerMembers, "sink consumer member id")}${removed.consumerMembers > 0 ? " (removed from their consumer groups at the next start)" : ""}`,
    "Its source offsets are kept, as DELETE /connectors/{name} keeps them.",
    "",
  ].join("\n");
}
