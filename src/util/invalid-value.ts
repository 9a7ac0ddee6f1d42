/**
 * Connect's `ConfigException(name, value, message)` text, `Invalid value <v> for configuration
 * <k>: <reason>` (without a reason, as Connect's with a null message: `Invalid value <v> for
 * configuration <k>`): the one place it is written. A URL's credentials, and a scheme-less
 * `user:password@host`'s (url-credentials.ts), are hidden in the whole message (this project's
 * secrets rule, stricter than Connect's), since a reason may quote the value again (`Unknown time
 * zone <v>`, `cannot read <v>`); the value, wherever it is quoted, as one value (a raw space in it
 * ends no URL).
 */
import { ConfigError } from "../errors.ts";
import { hideValueCredentials } from "./url-credentials.ts";

export function invalidValue(name: string, value: unknown, reason?: string): string {
  const because = reason === undefined ? "" : `: ${reason}`;
  return hideValueCredentials(`Invalid value ${String(value)} for configuration ${name}${because}`, String(value));
}

/** A ConfigError with that message, listed under `key` (the key as configured; `name` may be the
 *  unprefixed name Connect shows). */
export function invalidValueError(name: string, value: unknown, reason: string, key = name): ConfigError {
  const message = invalidValue(name, value, reason);
  return new ConfigError(message, new Map([[key, [message]]]));
}
