/**
 * UnstartedTasks: the tasks a connector has (stored task configs) that this worker tried to start
 * and did not (their build failed, or a restart could not resolve their configs), as the tasks of
 * Connect's running assignment that its Worker does not hold. The Herder (herder-thread.ts) starts
 * them again only when asked for them by name (a task restart, a restart with its tasks) or when the
 * connector's task configs are written again (Connect's stopReconfiguredTasks puts every task of the
 * connector in tasksToRestart) or its class changes between one serving an ingest route and another
 * (herder-thread.ts restartConnectorInstance); a plain connector restart, a resume or a config change
 * writing no task configs leaves them as they are (FAILED, or RESTARTING), as Connect's
 * DistributedHerder starts only the assigned tasks not in its running assignment.
 */
export class UnstartedTasks {
  private readonly byConnector = new Map<string, Set<number>>();

  has(connector: string, task: number): boolean {
    return this.byConnector.get(connector)?.has(task) ?? false;
  }

  add(connector: string, task: number): void {
    const tasks = this.byConnector.get(connector) ?? new Set<number>();
    tasks.add(task);
    this.byConnector.set(connector, tasks);
  }

  /** Forgets `tasks` of `connector` (all of them when not given): they are started when next asked. */
  forget(connector: string, tasks?: Iterable<number>): void {
    if (tasks === undefined) {
      this.byConnector.delete(connector);
      return;
    }
    const current = this.byConnector.get(connector);
    if (!current) return;
    for (const task of tasks) current.delete(task);
    if (current.size === 0) this.byConnector.delete(connector);
  }
}
