/**
 * `response.http.headers.config`: headers the worker adds to every answer of its REST listeners, as
 * Connect's RestServer does with Jetty's HeaderFilter. The value is a comma-separated
 * list of rules `[action] [header name]:[header value]` (a rule in double quotes may hold commas);
 * the actions are `set`, `add`, `setDate` and `addDate`, the date ones taking a millisecond offset
 * from now and sending that instant as an HTTP date. worker-config.ts validates the key with
 * `checkResponseHttpHeaders` (Connect's RestServerConfig messages, word for word, so the worker
 * refuses to start on the same values, and on some more that would fail every answer); server.ts
 * drops the rules of headers the listener writes itself (`listenerRules`, with a WARN) and applies
 * the others with `responseHttpHeadersMiddleware`, to the regular listeners only (Connect's filter
 * sits on the main servlet context, not on the admin listeners' one). What the HTTP front end
 * answers before routing (a request its parser refuses) has none, as Jetty's own answers pass no
 * servlet filter.
 */
import type { MiddlewareHandler } from "hono";
import { javaSplit, javaTrim } from "../api/data/java-text.ts";
import { ConfigError } from "../errors.ts";
import { jettyCsvSplit } from "../util/jetty-csv-split.ts";
import { fieldName, LISTENER_FIELDS } from "./http1/response-writer.ts";

/** One rule of the key: `add` appends to the header's values, else replaces them. */
export interface ResponseHeaderRule {
  readonly name: string;
  /** The header's value; for a date rule the millisecond offset from now. */
  readonly value: string;
  readonly add: boolean;
  readonly date: boolean;
}

const ACTIONS = ["set", "add", "setDate", "addDate"];
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// As Java's Long.parseLong reads it: an optional sign and decimal digits.
const JAVA_LONG = /^[+-]?\d+$/;
// Half the range of a JavaScript Date (about 137,000 years): now plus the offset stays a date that
// long (Jetty's long would overflow far beyond it).
const MAX_OFFSET_MS = 4.32e15;
// Java's regex \s, which Connect's checks use (JavaScript's also matches Unicode spaces).
const JAVA_SPACE = /[ \t\n\v\f\r]+/;

/** One rule checked as Connect's validateHttpResponseHeaderConfig does, then read as Jetty's filter reads it. */
function parseRule(config: string): ResponseHeaderRule {
  const trimmed = javaTrim(config);
  const space = JAVA_SPACE.exec(trimmed);
  if (space === null) {
    throw new ConfigError(
      `Invalid format of header config '${config}'. Expected: '[action] [header name]:[header value]'`,
    );
  }
  const action = trimmed.slice(0, space.index);
  if (!ACTIONS.some((a) => a.toLowerCase() === action.toLowerCase())) {
    throw new ConfigError(`Invalid header config action: '${action}'. Expected one of [${ACTIONS.join(", ")}]`);
  }
  // Jetty's filter splits the action off at the first space and fails the REST server's start
  // without one, where Connect's check took any white space.
  if (!space[0].includes(" ")) {
    throw new ConfigError(`Invalid format of header config '${config}'. Expected a space after the action '${action}'`);
  }
  const header = trimmed.slice(space.index + space[0].length);
  const pair = javaSplit(javaTrim(header), ":");
  if (pair.length !== 2) {
    throw new ConfigError(
      `Invalid format of header name and header value pair '${header}'. Expected: '[header name]:[header value]'`,
    );
  }
  const name = javaTrim(pair[0]!);
  if (name === "" || JAVA_SPACE.test(name)) {
    throw new ConfigError(`Invalid header name '${name}'. The '[header name]' cannot contain whitespace`);
  }
  // Jetty sends what Connect let through as it is; a name or value HTTP does not allow would fail
  // every answer here, so it is refused at start instead.
  if (!TOKEN.test(name)) throw new ConfigError(`Invalid header name '${name}'. It must be an HTTP token`);
  // Jetty takes the value after the first colon (a trailing one Connect's split dropped included).
  const value = javaTrim(header.slice(header.indexOf(":") + 1));
  // Jetty's filter decides by the action as written: `ADD` passes Connect's check and sets.
  const rule = { name, value, add: action.startsWith("add"), date: action.endsWith("Date") };
  // Jetty reads a date rule's offset as a Java long when the REST server starts, failing it otherwise.
  if (rule.date && (!JAVA_LONG.test(value) || Math.abs(Number(value)) > MAX_OFFSET_MS)) {
    throw new ConfigError(
      `Invalid ${action} offset '${value}' for header '${name}'. Expected milliseconds from now, at most 4320000000000000 either way`,
    );
  }
  if (!rule.date) checkSendable(name, value);
  return rule;
}

/**
 * Throws a ConfigError unless fetch's Headers, which every answer goes through, take the value:
 * one they refuse (a NUL, a line break, a character above U+00FF) would fail each answer.
 */
function checkSendable(name: string, value: string): void {
  try {
    new Headers().append(name, value);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    // The character, not the value, which may be long.
    const bad = /[\0\n\r\u{100}-\u{10FFFF}]/u.exec(value);
    const which = bad
      ? ` (its character ${bad.index + 1}, U+${bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")})`
      : "";
    throw new ConfigError(
      `Invalid value for header '${name}': an HTTP header cannot carry it${which}. NUL, CR, LF and characters above U+00FF are not allowed`,
    );
  }
}

/** The rules of a `response.http.headers.config` value (none when blank), or a ConfigError with Connect's message. */
export function responseHeaderRules(config: string | null): ResponseHeaderRule[] {
  if (config === null || javaTrim(config) === "") return [];
  return jettyCsvSplit(config).map(parseRule);
}

/**
 * The rules the REST listeners apply: those of a header the listener writes itself
 * (`LISTENER_FIELDS`: Content-Length, Date, Connection…) would break the answer's framing or be
 * lost, so they are dropped, with one WARN naming them (Connect's Jersey, likewise, writes the
 * real Content-Length over a configured one).
 */
export function listenerRules(rules: readonly ResponseHeaderRule[]): {
  rules: ResponseHeaderRule[];
  warnings: string[];
} {
  const own = (rule: ResponseHeaderRule) => LISTENER_FIELDS.includes(rule.name.toLowerCase());
  const dropped = [...new Set(rules.filter(own).map((rule) => fieldName(rule.name.toLowerCase())))];
  return {
    rules: rules.filter((rule) => !own(rule)),
    warnings:
      dropped.length === 0
        ? []
        : [
            `response.http.headers.config: ignoring its rules for ${dropped.join(", ")}, which the REST listeners write themselves`,
          ],
  };
}

/** The key's validator: throws the ConfigError, whose message config-def.ts shows as it is, as Connect's. */
export function checkResponseHttpHeaders(config: string | null): undefined {
  responseHeaderRules(config);
  return undefined;
}

/**
 * Applies the rules to an answer's headers at `now`. Jetty's filter sets its headers before the
 * resource runs and Jersey replaces any header the resource sets itself, so a header the answer
 * already has is left as it is.
 */
export function applyResponseHeaderRules(headers: Headers, rules: readonly ResponseHeaderRule[], now: number): void {
  const own = new Set(headers.keys());
  const configured = new Headers();
  for (const rule of rules) {
    const value = rule.date ? new Date(now + Number(rule.value)).toUTCString() : rule.value;
    if (rule.add) configured.append(rule.name, value);
    else configured.set(rule.name, value);
  }
  for (const [name, value] of configured) if (!own.has(name)) headers.append(name, value);
}

/** The REST app's outermost middleware: every answer (404s, 405s, errors, 401s included) gets the rules' headers. */
export function responseHttpHeadersMiddleware(rules: readonly ResponseHeaderRule[]): MiddlewareHandler {
  return async (c, next) => {
    await next();
    applyResponseHeaderRules(c.res.headers, rules, Date.now());
  };
}
