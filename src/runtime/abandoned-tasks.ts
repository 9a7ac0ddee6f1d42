/**
 * AbandonedTasks: the tasks a stop gave up on (Worker.stopTasks, past the graceful timeout) that
 * still run, per connector. They run with the config they had, so the herder keeps that config's
 * secrets hidden from the logs until they end (`ended`).
 */
import type { WorkerTask } from "./worker-task.ts";

export class AbandonedTasks {
  private readonly running = new Map<string, Set<Promise<void>>>();

  track(task: WorkerTask): void {
    const connector = task.id.connector;
    const ends = this.running.get(connector) ?? new Set<Promise<void>>();
    this.running.set(connector, ends);
    const end = task.whenFinished().then(() => {
      ends.delete(end);
      if (ends.size === 0 && this.running.get(connector) === ends) this.running.delete(connector);
    });
    ends.add(end);
  }

  /** Settles once every abandoned task of `connector` has ended (at once when there is none). */
  ended(connector: string): Promise<void> {
    return Promise.all(this.running.get(connector) ?? []).then(() => undefined);
  }
}
