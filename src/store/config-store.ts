/**
 * Connector configs, target states and task configs (Connect's ConfigBackingStore), in SQLite.
 * Configs are stored exactly as submitted (raw strings, key order kept), so `GET …/config` shows
 * what the user wrote, config-provider references included. Every write commits durably (FULL
 * sync, durable-write.ts): the REST API has acknowledged it, or the connector's task configs.
 */
import type { Database, Statement } from "bun:sqlite";
import { durably } from "./durable-write.ts";

export type TargetState = "STARTED" | "PAUSED" | "STOPPED";
export type RawConnectorConfig = Record<string, string>;

export interface StoredConnector {
  readonly name: string;
  readonly config: RawConnectorConfig;
  readonly targetState: TargetState;
  readonly taskConfigs: RawConnectorConfig[];
}

type Row = { name: string; config: string; target_state: TargetState };

export class ConfigStore {
  private readonly listQuery: Statement<{ name: string }, []>;
  private readonly getQuery: Statement<Row, [string]>;
  private readonly targetQuery: Statement<{ target_state: TargetState }, [string]>;
  private readonly routedQuery: Statement<{ target_state: TargetState; cls: string | null }, [string]>;
  private readonly tasksQuery: Statement<{ config: string }, [string]>;
  private readonly upsert: Statement<unknown, [string, string, string, number, number]>;
  private readonly updateConfig: Statement<unknown, [string, number, string]>;
  private readonly updateTarget: Statement<unknown, [string, number, string]>;
  private readonly deleteConnector: Statement<unknown, [string]>;
  private readonly deleteTasks: Statement<unknown, [string]>;
  private readonly insertTask: Statement<unknown, [string, number, string]>;
  /** The most tasks each connector has had configs for since it was created (as far as this process saw). */
  private readonly taskHighWater = new Map<string, number>();
  private writeCount = 0;

  constructor(private readonly db: Database) {
    this.listQuery = db.query("SELECT name FROM connectors ORDER BY created_at, name");
    this.getQuery = db.query("SELECT name, config, target_state FROM connectors WHERE name = ?");
    this.targetQuery = db.query("SELECT target_state FROM connectors WHERE name = ?");
    this.routedQuery = db.query(
      `SELECT target_state, json_extract(config, '$."connector.class"') AS cls FROM connectors WHERE name = ?`,
    );
    this.tasksQuery = db.query("SELECT config FROM task_configs WHERE connector = ? ORDER BY task");
    this.upsert = db.query(
      "INSERT INTO connectors (name, config, target_state, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
    );
    this.updateConfig = db.query("UPDATE connectors SET config = ?, updated_at = ? WHERE name = ?");
    this.updateTarget = db.query("UPDATE connectors SET target_state = ?, updated_at = ? WHERE name = ?");
    this.deleteConnector = db.query("DELETE FROM connectors WHERE name = ?");
    this.deleteTasks = db.query("DELETE FROM task_configs WHERE connector = ?");
    this.insertTask = db.query("INSERT INTO task_configs (connector, task, config) VALUES (?, ?, ?)");
  }

  /**
   * Counts this store's writes: a reader caching what it derived from the stored configs (per
   * request, where SQLite is not asked each time) derives it again when the count moved.
   */
  get writes(): number {
    return this.writeCount;
  }

  names(): string[] {
    return this.listQuery.all().map((r) => r.name);
  }

  get(name: string): StoredConnector | undefined {
    const row = this.getQuery.get(name);
    if (!row) return undefined;
    return {
      name: row.name,
      config: JSON.parse(row.config) as RawConnectorConfig,
      targetState: row.target_state,
      taskConfigs: this.tasksQuery.all(name).map((r) => JSON.parse(r.config) as RawConnectorConfig),
    };
  }

  /** The connector's target state, or undefined when there is no such connector. */
  targetState(name: string): TargetState | undefined {
    return this.targetQuery.get(name)?.target_state;
  }

  /**
   * The connector's target state and `connector.class`, or undefined when there is no such connector: read per
   * request to a suspended ingest route, without its task configs or parsing its config.
   */
  targetAndClass(name: string): { targetState: TargetState; connectorClass: string } | undefined {
    const row = this.routedQuery.get(name);
    return row ? { targetState: row.target_state, connectorClass: row.cls ?? "" } : undefined;
  }

  has(name: string): boolean {
    return this.getQuery.get(name) !== null;
  }

  /**
   * Whether task `task` ever had a committed config since the connector was created, also when it
   * has none now (stopped, or fewer tasks since): Connect's config topic keeps a task's last config
   * until the connector is deleted, so its herder knows such a task (and answers that no worker
   * runs it). What this process saw: at start, the tasks the connector has.
   */
  hadTask(name: string, task: number): boolean {
    return task >= 0 && task < (this.taskHighWater.get(name) ?? this.tasksQuery.all(name).length);
  }

  /**
   * Creates the connector with `targetState`, or replaces the config of an existing one, which keeps its target state
   * unless `replaceTarget`: then it takes `targetState` in the same transaction.
   */
  putConfig(
    name: string,
    config: RawConnectorConfig,
    targetState: TargetState = "STARTED",
    { replaceTarget = false }: { replaceTarget?: boolean } = {},
  ): void {
    const now = Date.now();
    const json = JSON.stringify(config);
    durably(this.db, () => {
      if (!this.has(name)) this.upsert.run(name, json, targetState, now, now);
      else {
        this.updateConfig.run(json, now, name);
        if (replaceTarget) this.updateTarget.run(targetState, now, name);
      }
    });
    this.writeCount++;
  }

  setTargetState(name: string, state: TargetState): void {
    durably(this.db, () => this.updateTarget.run(state, Date.now(), name));
    this.writeCount++;
  }

  putTaskConfigs(name: string, configs: readonly RawConnectorConfig[]): void {
    durably(this.db, () => this.replaceTasks(name, configs));
    this.writeCount++;
  }

  /**
   * Connect's stopConnector: no task configs and target state STOPPED, in one transaction. Connect
   * writes the empty task configs first so that a crash in between never leaves a STOPPED
   * connector with tasks (whose offsets could then not be altered); here neither can be seen alone.
   */
  putStopped(name: string): void {
    durably(this.db, () => {
      this.replaceTasks(name, []);
      this.updateTarget.run("STOPPED", Date.now(), name);
    });
    this.writeCount++;
  }

  remove(name: string): void {
    durably(this.db, () => {
      this.deleteTasks.run(name);
      this.deleteConnector.run(name);
    });
    this.writeCount++;
    this.taskHighWater.delete(name);
  }

  private replaceTasks(name: string, configs: readonly RawConnectorConfig[]): void {
    const before = this.taskHighWater.get(name) ?? this.tasksQuery.all(name).length;
    this.taskHighWater.set(name, Math.max(before, configs.length));
    this.deleteTasks.run(name);
    configs.forEach((c, i) => {
      this.insertTask.run(name, i, JSON.stringify(c));
    });
  }
}
