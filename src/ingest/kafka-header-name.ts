/**
 * The rule for a Kafka header name the gateway writes or accepts: not empty (white space alone
 * counts as empty) and no control character (C0 or DEL: such a name breaks logs and text protocols
 * downstream). Kafka itself takes any string; these are names no client could sensibly look up.
 * Used by the connector's validation (allow-list rename targets, ingest.headers.static names,
 * ingest.headers.content.type, ingest.headers.receive.timestamp) and by REST Proxy v3 record
 * headers (rest-proxy-v3-fields.ts).
 */
import { quotedText } from "../util/quoted-text.ts";

/** C0 controls and DEL. */
export const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** Why `name` cannot be a Kafka header name the gateway writes; undefined when it can. */
export function kafkaHeaderNameProblem(name: string): string | undefined {
  if (name.trim() === "") return "a Kafka header name must not be empty or only white space";
  if (CONTROL_CHARACTER.test(name)) return `the Kafka header name ${quotedText(name)} contains a control character`;
  return undefined;
}
