/**
 * SpoolStart: the start of a spool drainer (SpoolWriter.start): deleting the rows its committed
 * offset covers (SpoolStore.deleteThrough), which were delivered before the last stop. That is a
 * write: on a full disk it fails (a gateway restarted after a full-disk episode in which deletes
 * failed finds such rows). The task does not fail for it, which would leave it FAILED after the
 * disk has room again: the delete is retried every START_RETRY_MS until it works or the task
 * stops, and meanwhile the writer accepts nothing (503) and polls nothing, because until it works
 * the file may not know the committed sequence (a spool file lost or recreated since: see
 * SpoolTable.deleteThrough), and a record appended then could get a sequence the offset already
 * covers, never to be sent. One WARN when it fails, one INFO when it works.
 */
import { messageOf } from "../../errors.ts";
import type { SpoolStore } from "../../store/spool-store.ts";
import type { Logger } from "../../util/logger.ts";
import { type SetTimer, unrefTimer } from "../../util/timer.ts";

/** How long after a failed start delete it is tried again. */
export const START_RETRY_MS = 1000;

export interface SpoolStartOptions {
  readonly store: SpoolStore;
  readonly connector: string;
  readonly committedSeq: number;
  readonly log: Logger;
  /** Called once the delete worked, with the sequence to read after. */
  readonly onReady: (cursor: number) => void;
  readonly setTimer?: SetTimer;
}

export class SpoolStart {
  /** Why the start delete has not worked yet; undefined once it did (or before the first try). */
  private failure: string | undefined;
  private retry: { cancel(): void } | undefined;
  private cancelled = false;

  constructor(private readonly o: SpoolStartOptions) {}

  /** While the start delete keeps failing, what a request to the spool is refused with (503). */
  get pending(): string | undefined {
    if (this.failure === undefined) return undefined;
    return `The spool of connector ${this.o.connector} cannot take records yet: it could not delete the rows already delivered (${this.failure}); retry later`;
  }

  /**
   * The first try: resolves once it worked, or once it failed and its retries are scheduled;
   * throws when the spool itself is dead (SpoolStore.failure), which fails the task as before.
   */
  async run(): Promise<void> {
    try {
      await this.attempt();
    } catch (error) {
      if (this.o.store.failure) throw error;
      this.failure = messageOf(error);
      this.o.log.warn(
        `The spool of connector ${this.o.connector} could not delete the rows its committed offset covers (sequence ${this.o.committedSeq}: ${this.failure}): requests to it are answered 503 with Retry-After and nothing is sent until it can; tried again every ${START_RETRY_MS} ms. Records acknowledged before stay in the file`,
      );
      this.scheduleRetry();
    }
  }

  /** The task stops: no more retries. */
  cancel(): void {
    this.cancelled = true;
    this.retry?.cancel();
    this.retry = undefined;
  }

  private async attempt(): Promise<void> {
    const { store, connector, committedSeq } = this.o;
    if (await store.deleteThrough(connector, committedSeq)) {
      this.o.onReady(committedSeq);
      return;
    }
    // The committed offset is of a spool file that is gone (deleted or recreated): the rows of
    // this file are all unsent, and new ones get sequences above the offset (SpoolTable).
    this.o.log.warn(
      `The committed offset of connector ${connector} (spool sequence ${committedSeq}) is above every sequence of the spool file: the file was lost or recreated since, records acknowledged into the old one and not yet in Kafka are lost; draining the new file from its start`,
    );
    this.o.onReady(0);
  }

  private scheduleRetry(): void {
    this.retry = (this.o.setTimer ?? unrefTimer)(() => {
      this.retry = undefined;
      if (this.cancelled) return;
      this.attempt().then(
        () => {
          if (this.cancelled) return;
          this.failure = undefined;
          this.o.log.info(
            `The spool of connector ${this.o.connector} deleted the rows its committed offset covers: accepting requests again`,
          );
        },
        () => {
          if (this.cancelled) return;
          if (this.o.store.failure) this.failure = messageOf(this.o.store.failure);
          else this.scheduleRetry();
        },
      );
    }, START_RETRY_MS);
  }
}
