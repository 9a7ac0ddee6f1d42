/**
 * SubmissionSignal: what a writer (IngestQueue, SpoolWriter, PendingRequest) needs of an ingest
 * request's abort signal, with its listener type, how a listener is called (as EventTarget calls
 * one: a throwing listener does not keep the others from running) and the two abort reasons, the
 * request timeout (`ingest.request.timeout.ms`) and the client gone. RequestAbort in
 * request-deadlines.ts implements it; an AbortSignal is one too. Types and messages only, no state:
 * the per-request bookkeeping stays in request-deadlines.ts.
 */

/** A listener on a SubmissionSignal: a function, or an object whose `handleEvent` is called (as EventTarget's). */
export type AbortListener = (() => void) | { handleEvent(): void };

/** What a writer needs of a request's abort signal; an AbortSignal is one too. */
export interface SubmissionSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: "abort", listener: AbortListener, options?: { once?: boolean }): void;
}

export function timeoutMessage(timeoutMs: number): string {
  return `Kafka did not acknowledge the records within ${timeoutMs} ms (ingest.request.timeout.ms)`;
}

export const CLIENT_GONE_MESSAGE = "The client closed the connection";

/** Calls one abort listener. */
export function callAbortListener(listener: AbortListener): void {
  try {
    if (typeof listener === "function") listener();
    else listener.handleEvent();
  } catch {
    // As EventTarget does, one listener's failure does not keep the others from running.
  }
}
