/**
 * Connector and task statuses and each connector's active topics (Connect's
 * StatusBackingStore), in SQLite so status survives a restart until the runtime rewrites it.
 * The connector's own status is stored with task id -1.
 */
import type { Database, Statement } from "bun:sqlite";

export type State = "UNASSIGNED" | "RUNNING" | "PAUSED" | "FAILED" | "RESTARTING" | "STOPPED";

export interface Status {
  readonly state: State;
  readonly trace: string | null;
  readonly workerId: string;
}

const CONNECTOR = -1;
type Row = { task: number; state: State; trace: string | null; worker_id: string };

export class StatusStore {
  private readonly upsert: Statement<unknown, [string, number, string, string | null, string]>;
  private readonly getQuery: Statement<Row, [string, number]>;
  private readonly tasksQuery: Statement<Row, [string]>;
  private readonly deleteOne: Statement<unknown, [string, number]>;
  private readonly deleteTasksFrom: Statement<unknown, [string, number]>;
  private readonly deleteAll: Statement<unknown, [string]>;
  private readonly topicsQuery: Statement<{ topic: string }, [string]>;
  private readonly addTopicQuery: Statement<unknown, [string, string]>;
  private readonly resetTopicsQuery: Statement<unknown, [string]>;

  constructor(db: Database) {
    this.upsert = db.query(
      `INSERT INTO statuses (connector, task, state, trace, worker_id) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (connector, task) DO UPDATE SET state = excluded.state, trace = excluded.trace, worker_id = excluded.worker_id`,
    );
    this.getQuery = db.query("SELECT task, state, trace, worker_id FROM statuses WHERE connector = ? AND task = ?");
    this.tasksQuery = db.query(
      "SELECT task, state, trace, worker_id FROM statuses WHERE connector = ? AND task >= 0 ORDER BY task",
    );
    this.deleteOne = db.query("DELETE FROM statuses WHERE connector = ? AND task = ?");
    this.deleteTasksFrom = db.query("DELETE FROM statuses WHERE connector = ? AND task >= ?");
    this.deleteAll = db.query("DELETE FROM statuses WHERE connector = ?");
    this.topicsQuery = db.query("SELECT topic FROM active_topics WHERE connector = ? ORDER BY topic");
    this.addTopicQuery = db.query("INSERT OR IGNORE INTO active_topics (connector, topic) VALUES (?, ?)");
    this.resetTopicsQuery = db.query("DELETE FROM active_topics WHERE connector = ?");
  }

  private static toStatus(row: Row | null): Status | undefined {
    return row ? { state: row.state, trace: row.trace, workerId: row.worker_id } : undefined;
  }

  putConnector(connector: string, status: Status): void {
    this.upsert.run(connector, CONNECTOR, status.state, status.trace, status.workerId);
  }

  putTask(connector: string, task: number, status: Status): void {
    this.upsert.run(connector, task, status.state, status.trace, status.workerId);
  }

  connector(connector: string): Status | undefined {
    return StatusStore.toStatus(this.getQuery.get(connector, CONNECTOR));
  }

  task(connector: string, task: number): Status | undefined {
    return StatusStore.toStatus(this.getQuery.get(connector, task));
  }

  tasks(connector: string): { id: number; status: Status }[] {
    return this.tasksQuery.all(connector).map((r) => ({ id: r.task, status: StatusStore.toStatus(r)! }));
  }

  removeTask(connector: string, task: number): void {
    this.deleteOne.run(connector, task);
  }

  /** Removes the statuses of tasks numbered `from` and above (all tasks when 0). */
  removeTasksFrom(connector: string, from: number): void {
    this.deleteTasksFrom.run(connector, from);
  }

  removeConnector(connector: string): void {
    this.deleteAll.run(connector);
  }

  topics(connector: string): string[] {
    return this.topicsQuery.all(connector).map((r) => r.topic);
  }

  addTopic(connector: string, topic: string): void {
    this.addTopicQuery.run(connector, topic);
  }

  resetTopics(connector: string): void {
    this.resetTopicsQuery.run(connector);
  }
}
