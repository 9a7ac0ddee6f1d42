/**
 * The records a request submits and what became of each one: the contract between the request
 * path (parsers, ingest-handler.ts) and whatever writes records (the HttpIngestSource task's
 * queue today, a durable spool later).
 */
import type { SubmissionSignal } from "./submission-signal.ts";

/** A Kafka header value as parsed from a request: text, bytes, or null. */
export type IngestHeaderValue = string | Uint8Array | null;

/** One record parsed from a request, before converters and transforms. */
export interface IngestRecord {
  /** Connect key: null, a string, bytes or a JSON value (given to the key converter). */
  readonly key: unknown;
  /** Connect value: a JSON value (schemaless), a string, bytes or null (given to the value converter). */
  readonly value: unknown;
  readonly headers: ReadonlyArray<readonly [string, IngestHeaderValue]>;
  /** A partition the client asked for, or null for Kafka's default partitioner. */
  readonly partition: number | null;
  /** Record timestamp (ms since epoch) the client gave, or null. */
  readonly timestamp: number | null;
  /**
   * Its size (for limits and metrics): its value and key as received, plus the request header values
   * it carries a copy of (the key header, allow-listed headers, a stamped content type:
   * record-builder.ts copiedHeaderBytes), which a request's records each repeat, and the identity
   * stamped on it (ingest-security.ts stampIdentity).
   */
  readonly bytes: number;
}

/** What became of one record, in request order. */
export type RecordOutcome =
  | {
      readonly kind: "written";
      readonly topic: string;
      readonly partition: number;
      readonly offset: number;
      readonly timestamp: number | null;
    }
  /** Acknowledged without being written: a transform dropped it or errors.tolerance=all skipped it. */
  | { readonly kind: "dropped" }
  /** Durably in the spool (ingest.ack.mode=spool): the drainer sends it to Kafka later. */
  | { readonly kind: "spooled"; readonly sequence: number }
  /**
   * Not acknowledged; `maybeWritten` tells whether it may still reach Kafka (false: certainly not).
   * `kafkaError`: Kafka refused this record for good on its own (INVALID_TIMESTAMP,
   * MESSAGE_TOO_LARGE, …), or a transformation or converter failed on it (the stage, e.g.
   * VALUE_CONVERTER): sending it again cannot succeed. `denied`: Kafka refused it because the
   * gateway's principal may not write its topic (an ACL: `deniedOutcome`).
   */
  | {
      readonly kind: "failed";
      readonly message: string;
      readonly retriable: boolean;
      readonly maybeWritten: boolean;
      readonly kafkaError?: string;
      readonly denied?: true;
    };

/**
 * The outcome of a record Kafka refused for good on its own (error: Kafka's error name), or that a
 * transformation or converter failed on before it was sent (`stage`: Connect's stage, also its
 * `kafkaError`, so it is answered as a refusal).
 */
export function rejectedOutcome(rejection: {
  readonly error: string;
  readonly message: string;
  readonly stage?: string;
}): RecordOutcome {
  return {
    kind: "failed",
    message:
      rejection.stage !== undefined
        ? `The record could not be converted for Kafka, so it was not written; sending it again will not help: ${rejection.message}`
        : `Kafka refused the record (${rejection.error}); sending it again will not help: ${rejection.message}`,
    retriable: false,
    maybeWritten: false,
    kafkaError: rejection.error,
  };
}

/**
 * The outcome of a record Kafka refused unwritten because the gateway's Kafka principal may not write
 * `topic` (TOPIC_AUTHORIZATION_FAILED: no WRITE ACL). Its message starts with Java's (and REST
 * Proxy's) "Not authorized to access topics: [t]". Retriable: the device did nothing wrong, and the
 * same request succeeds once an operator granted the ACL and restarted the task (its Idempotency-Key
 * is released; REST Proxy's routes answer it 403 / 40301 all the same, as REST Proxy does; the
 * connector's own path 503).
 */
export function deniedOutcome(topic: string): RecordOutcome {
  return {
    kind: "failed",
    message: `Not authorized to access topics: [${topic}] (Kafka refused the gateway's principal WRITE on it, so the record was not written; send it again once an operator granted it)`,
    retriable: true,
    maybeWritten: false,
    denied: true,
  };
}

/** Where a request's records go. Resolves once every record has an outcome; never rejects. */
export interface IngestSubmission {
  readonly topic: string;
  readonly records: readonly IngestRecord[];
  /** When it aborts (request timeout, client gone), records not yet handed to Kafka are withdrawn. */
  readonly signal: SubmissionSignal;
  /**
   * Told what became of its records answered "may still be written" (every HTTP ingest request: a keyed one's
   * answer waits for them, idempotency.ts; an unanswered one's WARN, ingest-handler.ts).
   */
  readonly late?: LateOutcomes;
}

/**
 * Receives a request's outcomes after its answer. A writer calls `settled` once for a submission
 * that resolved with a record failed as "may still be written" (maybeWritten), as soon as each such
 * record settled for good: acknowledged by Kafka (written, dropped, or refused), given up unwritten,
 * or left unknown when its task stopped (it stays "may still be written"). `outcomes` are the
 * request's outcomes with those records' later ones in their places.
 */
export interface LateOutcomes {
  settled(outcomes: RecordOutcome[]): void;
}

/** A record failed as "may still be written": handed to Kafka, its acknowledgement not (yet) known. */
export function mayStillBeWritten(outcome: RecordOutcome): boolean {
  return outcome.kind === "failed" && outcome.maybeWritten;
}

/**
 * What became of a request's records that are not written, for a log line: e.g. ", 2 not written, 1 unknown (…)";
 * "" when every record is written.
 */
export function unwrittenText(outcomes: readonly RecordOutcome[]): string {
  let dropped = 0;
  let notWritten = 0;
  let unknown = 0;
  for (const o of outcomes) {
    if (o.kind === "dropped") dropped++;
    else if (o.kind === "failed") {
      if (o.maybeWritten) unknown++;
      else notWritten++;
    }
  }
  const parts = [
    notWritten > 0 ? `${notWritten} not written` : "",
    unknown > 0 ? `${unknown} unknown (its task stopped before Kafka answered: may still be written)` : "",
    dropped > 0 ? `${dropped} dropped by a transformation` : "",
  ].filter((part) => part !== "");
  return parts.map((part) => `, ${part}`).join("");
}

/** The outcomes as the client sees them: a failed record's message hidden (it may quote a config value). */
export function shownOutcomes(outcomes: RecordOutcome[], hide: (text: string) => string): RecordOutcome[] {
  if (!outcomes.some((o) => o.kind === "failed")) return outcomes;
  return outcomes.map((o) => (o.kind === "failed" ? { ...o, message: hide(o.message) } : o));
}
