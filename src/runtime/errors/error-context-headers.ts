/**
 * The dead letter queue's context headers (errors.deadletterqueue.context.headers.enable): Connect's
 * `__connect.errors.*` headers, in Connect's order, describing where and why a record failed.
 */
import { javaClassOf, messageOf, traceOf } from "../../errors.ts";
import type { KafkaHeader } from "../../kafka/kafka-port.ts";
import { javaUtf8Text } from "../../util/java-utf8.ts";
import type { ProcessingContext } from "./processing-context.ts";

export const ERROR_HEADER_PREFIX = "__connect.errors.";

const encoder = new TextEncoder();
// Connect's toBytes is getBytes(UTF_8): a lone surrogate (a stray half of an emoji in a
// NumberFormatException's message) is written as `?`, not U+FFFD.
const utf8 = (s: string) => encoder.encode(javaUtf8Text(s));

export function errorContextHeaders(c: ProcessingContext, redact: (text: string) => string = (t) => t): KafkaHeader[] {
  const headers: [string, string | null][] = [];
  if (c.consumed) {
    headers.push(
      ["topic", c.consumed.topic],
      ["partition", String(c.consumed.partition)],
      ["offset", String(c.consumed.offset)],
    );
  }
  headers.push(
    ["connector.name", c.connector],
    ["task.id", String(c.task)],
    ["stage", c.stage],
    ["class.name", c.executingClass],
  );
  if (c.error !== undefined) {
    headers.push(
      ["exception.class.name", javaClassOf(c.error)],
      // Connect adds it with a null value for an exception without a message (its toBytes(null));
      // a JavaScript error without one has the empty message.
      ["exception.message", messageOf(c.error) === "" ? null : redact(messageOf(c.error))],
      ["exception.stacktrace", redact(traceOf(c.error))],
    );
    // Errors may add details of their own (an HTTP sink: the status code and a response excerpt).
    const extra = (c.error as { errorContext?: unknown } | null)?.errorContext;
    if (extra && typeof extra === "object") {
      for (const [k, v] of Object.entries(extra)) if (typeof v === "string") headers.push([k, redact(v)]);
    }
  }
  return headers.map(([k, v]) => ({ key: `${ERROR_HEADER_PREFIX}${k}`, value: v === null ? null : utf8(v) }));
}
