/**
 * The member ids consumer groups gave this gateway's sink consumers, per connector, group and client
 * id, so a task starting after a kill -9 fences only its own dead predecessors (ConsumerOptions'
 * `predecessors`), never a live member of another gateway that runs a sink connector of the same
 * name (same default client ids). Wired by app.ts into the Worker (the task builder binds one to
 * each sink task's group and default client id; the orphan sweep reads them all) and the Herder (an
 * online delete forgets the connector's ids; delete-connector.ts keeps them for the sweep).
 *
 * Rows stay bounded: a completed join keeps only its own id for its group and client id; ids of a
 * group or client id no task of their connector uses any more (fewer tasks, a changed group or
 * client id), or of a connector deleted offline, are removed from their groups and forgotten by the
 * worker's orphan sweep (orphan-members.ts), at start and after a task reconfiguration; a connector
 * deleted online takes its ids along (its tasks left their groups).
 */
import type { Database, Statement } from "bun:sqlite";
import type { PredecessorMembers } from "../kafka/kafka-port.ts";
import { getLogger, type Logger } from "../util/logger.ts";

/** A member id a group gave one of the connector's sink consumers. */
export interface StoredMember {
  readonly connector: string;
  readonly groupId: string;
  readonly clientId: string;
  readonly memberId: string;
}

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

  /** Every member id kept, with its connector, group and client id (the worker's orphan sweep). */
  all(): StoredMember[] {
    return this.db
      .query<StoredMember, []>(
        "SELECT connector, group_id AS groupId, client_id AS clientId, member_id AS memberId FROM consumer_members ORDER BY rowid",
      )
      .all();
  }

  /** Forgets every member id of a deleted connector's consumers; returns how many. */
  connectorDeleted(connector: string): number {
    return this.db.query("DELETE FROM consumer_members WHERE connector = ?").run(connector).changes;
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

/**
 * How many member ids `connector`'s consumers were given (the offline delete keeps them: the next
 * start's orphan sweep removes those still in their groups).
 */
export function connectorMemberCount(db: Database, connector: string): number {
  return (
    db.query<{ n: number }, [string]>("SELECT COUNT(*) AS n FROM consumer_members WHERE connector = ?").get(connector)
      ?.n ?? 0
  );
}
