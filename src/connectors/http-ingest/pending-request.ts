/**
 * One request submitted to an IngestQueue (PendingRequest) and its records' places in the queue
 * (Slot): the outcomes so far, and the listener on the request's abort signal. Used by IngestQueue
 * only; kept apart so the queue module holds the queue's own behaviour.
 */
import type { SourceRecord } from "../../api/record.ts";
import type { LateOutcomes, RecordOutcome } from "../../ingest/ingest-record.ts";
import type { SubmissionSignal } from "../../ingest/submission-signal.ts";
import type { IngestQueue } from "./ingest-queue.ts";
import type { SlotState } from "./sent-records.ts";

/**
 * One submitted request: its records' outcomes so far; the listener on its abort signal. A request
 * of one record (most of them under single-record load) is that record's slot itself: no slot
 * object and no array of slots per request.
 */
export class PendingRequest implements Slot {
  readonly outcomes: (RecordOutcome | undefined)[];
  remaining: number;
  done = false;
  /** The request's slots; null when it has one record and is its slot. */
  slots: readonly Slot[] | null = null;
  readonly request: PendingRequest = this;
  readonly index = 0;
  /** The one record (slots === null). */
  record: SourceRecord = undefined as unknown as SourceRecord;
  state: SlotState = "queued";
  /** Who is told its late outcomes (IngestSubmission.late); a plain field: nothing made per request. */
  to: LateOutcomes | undefined = undefined;
  /** Made only once a record of it settled "may still be written" and `to` is set (an abandoned sent slot). */
  late: LateRequest | null = null;

  constructor(
    private readonly queue: IngestQueue,
    private readonly signal: SubmissionSignal,
    readonly resolve: (outcomes: RecordOutcome[]) => void,
    count: number,
    /** Its records' size (IngestRecord.bytes): held against ingest.queue.max.bytes until the request is done. */
    readonly bytes: number,
  ) {
    this.outcomes = new Array(count);
    this.remaining = count;
  }

  /** The request aborted (EventListener object: no closure per request). */
  handleEvent(): void {
    this.queue.abandon(this, abortMessage(this.signal));
  }
}

/**
 * A request's records answered "may still be written" whose acknowledgement is still to come: their
 * outcomes replace theirs in `outcomes` (a copy of the answered ones), and once none is `awaited` any
 * more, the request's `to` is told.
 */
export interface LateRequest {
  /** Its records abandoned while sent as "may still be written", not settled for good yet. */
  awaited: number;
  outcomes: RecordOutcome[] | null;
}

export interface Slot {
  readonly request: PendingRequest;
  readonly index: number;
  readonly record: SourceRecord;
  state: SlotState;
}

/** Why a request aborted, for its records' outcomes. */
export function abortMessage(signal: SubmissionSignal): string {
  const reason = signal.reason;
  return reason instanceof Error && reason.name !== "AbortError" ? reason.message : "The request was abandoned";
}
