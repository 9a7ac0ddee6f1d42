/**
 * Errors the transforms throw besides Connect's DataError and ConfigError: Java's
 * IllegalArgumentException, which Apache's SMTs raise for a few per-record failures (an unknown
 * field in ExtractField, a bad group reference in RegexRouter's replacement).
 */
import { ConnectError } from "../../errors.ts";

export class IllegalArgumentError extends ConnectError {
  override readonly javaClass: string = "java.lang.IllegalArgumentException";
  override name = "IllegalArgumentError";
}
