/**
 * The member ids consumer groups gave this gateway's sink consumers, per group and client id, so a
 * task starting after a kill -9 fences only its own dead predecessors (ConsumerOptions'
 * `predecessors`), never a live member of another gateway that runs a sink connector of the same
 * name (same default client ids). Wired by app.ts into the Worker; the task builder binds one to
 * each sink task's group and default client id.
 */
import type { Database, Statement } from "bun:sqlite";
import type { PredecessorMembers } from "../kafka/kafka-port.ts";

export class ConsumerMemberStore {
  private readonly rememberedQuery: Statement<{ member_id: string }, [string, string]>;
  private readonly insert: Statement<unknown, [string, string, string]>;
  private readonly deleteOne: Statement<unknown, [string, string, string]>;

  constructor(private readonly db: Database) {
    this.rememberedQuery = db.query(
      "SELECT member_id FROM consumer_members WHERE group_id = ? AND client_id = ? ORDER BY rowid",
    );
    this.insert = db.query("INSERT OR IGNORE INTO consumer_members (group_id, client_id, member_id) VALUES (?, ?, ?)");
    this.deleteOne = db.query("DELETE FROM consumer_members WHERE group_id = ? AND client_id = ? AND member_id = ?");
  }

  /** The member ids of `groupId` given to consumers with `clientId`, oldest first. */
  remembered(groupId: string, clientId: string): string[] {
    return this.rememberedQuery.all(groupId, clientId).map((r) => r.member_id);
  }

  remember(groupId: string, clientId: string, memberId: string): void {
    this.insert.run(groupId, clientId, memberId);
  }

  forget(groupId: string, clientId: string, memberIds: readonly string[]): void {
    this.db.transaction(() => {
      for (const memberId of memberIds) this.deleteOne.run(groupId, clientId, memberId);
    })();
  }

  /**
   * This store bound to one group and client id, as a consumer's `predecessors`. A write that fails
   * (a full disk) does not fail the join: an id not remembered only leaves a killed member to its
   * session timeout, one not forgotten is looked for again at the next start.
   */
  predecessors(groupId: string, clientId: string): PredecessorMembers {
    return {
      remembered: () => this.remembered(groupId, clientId),
      joined: (memberId) => unfailing(() => this.remember(groupId, clientId, memberId)),
      gone: (memberIds) => unfailing(() => this.forget(groupId, clientId, memberIds)),
    };
  }
}

function unfailing(write: () => void): void {
  try {
    write();
  } catch {
    // See `predecessors`: what was not written costs time at a later start, never records.
  }
}
