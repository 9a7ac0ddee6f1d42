/**
 * AbandonedTasks: the tasks a stop gave up on (Worker.stopTasks, past the graceful timeout) that
 * still run, per connector, and the connector instances whose start or stop had not returned when
 * they were stopped (Worker.stopConnector). They run with the config they had, so the herder keeps
 * that config's secrets hidden from the logs until they end (`take`, when the config is replaced or
 * deleted): each config waits for the code abandoned while it was the connector's, not for code of
 * an earlier config that never returns.
 */
import type { WorkerTask } from "./worker-task.ts";

export class AbandonedTasks {
  private readonly running = new Map<string, Set<Promise<void>>>();

  track(task: WorkerTask): void {
    this.trackEnd(task.id.connector, task.whenFinished());
  }

  /** Connector code of `connector` that still runs until `ended` settles. */
  trackEnd(connector: string, ended: Promise<void>): void {
    const ends = this.running.get(connector) ?? new Set<Promise<void>>();
    this.running.set(connector, ends);
    const end = ended.then(() => {
      ends.delete(end);
      if (ends.size === 0 && this.running.get(connector) === ends) this.running.delete(connector);
    });
    ends.add(end);
  }

  /**
   * Settles once what was abandoned of `connector` since the last `take` has ended (at once when
   * nothing was); later calls no longer wait for it.
   */
  take(connector: string): Promise<void> {
    const ends = this.running.get(connector);
    this.running.delete(connector);
    return Promise.all(ends ?? []).then(() => undefined);
  }
}
