/**
 * Reading the status trace of a source task a producer send failed (WorkerSourceTask's send callback failure,
 * src/runtime/send-callback-failure.ts): Connect's first line, then the send's own failure as its cause.
 */

/** Connect's first line of such a trace (WorkerSourceTask.maybeThrowProducerSendException). */
export const SEND_CALLBACK_FAILURE =
  "org.apache.kafka.connect.errors.ConnectException: Unrecoverable exception from producer send callback";

/**
 * The send's own failure under Connect's first line (`<class>: <message>`, without "Caused by: "), or undefined when
 * the trace does not start with Connect's line.
 */
export function sendCallbackCause(trace: string): string | undefined {
  const [first, cause] = trace.split("\n").filter((l) => !l.startsWith("\t"));
  if (first !== SEND_CALLBACK_FAILURE || cause === undefined) return undefined;
  return cause.replace(/^Caused by: /, "");
}
