/**
 * The member ids consumer groups gave this gateway's sink consumers, per connector, group and client
 * id, so a task starting after a kill -9 fences only its own dead predecessors (ConsumerOptions'
 * `predecessors`), never a live member of another gateway that runs a sink connector of the same
 * name (same default client ids). Wired by app.ts into the Worker (the task builder binds one to
 * each sink task's group and default client id) and the Herder (a deleted connector's ids go with
 * it, as delete-connector.ts removes them offline).
 *
 * Rows stay bounded: a completed join keeps only its own id for its group and client id, and a
 * deleted connector takes its ids along (those of a group or client id it no longer uses included).
 */
import type { Database, Statement } from "bun:sqlite";
import type { PredecessorMembers } from "../kafka/kafka-port.ts";
import { getLogger, type Logger } from "../util/logger.ts";

export class ConsumerMemberStore {
  private readonly rememberedQuery: Statement<{ member_id: string }, [string, string]>;
  private readonly insert: Statement<unknown, [string, string, string, string]>;
  private readonly deleteOne: Statement<unknown, [string, string, string]>;
  private readonly deleteOthers: Statement<unknown, [string, string, string]>;

  constructor(
    private readonly db: Database,
    private readonly log: Logger = getLogger("io.edgegateway.store.ConsumerMemberStore"),
  ) {
    this.rememberedQuery = db.query(
      "SELECT member_id FROM consumer_members WHERE group_id = ? AND client_id = ? ORDER BY rowid",
    );
    this.insert = db.query(
      "INSERT OR IGNORE INTO consumer_members (connector, group_id, client_id, member_id) VALUES (?, ?, ?, ?)",
    );
    this.deleteOne = db.query("DELETE FROM consumer_members WHERE group_id = ? AND client_id = ? AND member_id = ?");
    this.deleteOthers = db.query(
      "DELETE FROM consumer_members WHERE group_id = ? AND client_id = ? AND member_id != ?",
    );
  }

  /** The member ids of `groupId` given to consumers with `clientId`, oldest first. */
  remembered(groupId: string, clientId: string): string[] {
    return this.rememberedQuery.all(groupId, clientId).map((r) => r.member_id);
  }

  remember(connector: string, groupId: string, clientId: string, memberId: string): void {
    this.insert.run(connector, groupId, clientId, memberId);
  }

  forget(groupId: string, clientId: string, memberIds: readonly string[]): void {
    this.db.transaction(() => {
      for (const memberId of memberIds) this.deleteOne.run(groupId, clientId, memberId);
    })();
  }

  /** `memberId` completed a join: the only id of `groupId` and `clientId` still worth fencing. */
  keepOnly(connector: string, groupId: string, clientId: string, memberId: string): void {
    this.db.transaction(() => {
      this.insert.run(connector, groupId, clientId, memberId);
      this.deleteOthers.run(groupId, clientId, memberId);
    })();
  }

  /** Forgets every member id of a deleted connector's consumers; returns how many. */
  connectorDeleted(connector: string): number {
    return deleteConnectorMembers(this.db, connector);
  }

  /**
   * This store bound to one sink task's group and client id, as its consumer's `predecessors`. A
   * read or write that fails (a full disk, a database closed during a stop) does not fail the
   * consumer: it logs one WARN. An id not read or not remembered only leaves a killed member to its
   * session timeout; one not forgotten is looked for again at the next start.
   */
  predecessors(connector: string, groupId: string, clientId: string): PredecessorMembers {
    const unfailing = <T>(what: string, op: () => T, fallback: T): T => {
      try {
        return op();
      } catch (error) {
        this.log.warn(`Could not ${what} the member ids of group ${groupId} for client ${clientId}`, error);
        return fallback;
      }
    };
    return {
      remembered: () => unfailing("read", () => this.remembered(groupId, clientId), []),
      given: (memberId) => unfailing("store", () => this.remember(connector, groupId, clientId, memberId), undefined),
      joined: (memberId) => unfailing("store", () => this.keepOnly(connector, groupId, clientId, memberId), undefined),
      gone: (memberIds) => unfailing("remove", () => this.forget(groupId, clientId, memberIds), undefined),
    };
  }
}

/** Deletes the member ids of `connector`'s consumers (DELETE /connectors/{name} and the offline delete). */
export function deleteConnectorMembers(db: Database, connector: string): number {
  return db.query("DELETE FROM consumer_members WHERE connector = ?").run(connector).changes;
}
