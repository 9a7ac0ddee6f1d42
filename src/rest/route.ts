/**
 * The route table type: each Connect resource method as `{ method, path, consumesJson, handle }`.
 * `server.ts` registers the table on hono and derives 405 and OPTIONS answers from it.
 */
import type { Context } from "hono";
import { javaTrim } from "../api/data/java-text.ts";
import type { Herder } from "../runtime/herder.ts";
import type { LogManager } from "../util/logger.ts";

export interface RouteDeps {
  readonly herder: Herder;
  readonly logs: LogManager;
  /** Runs a herder call with Connect's 90 s REST request timeout. */
  readonly timed: <T>(operation: () => Promise<T>) => Promise<T>;
}

export interface Route {
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** hono path pattern, e.g. `/connectors/:connector/tasks/:task{-?[0-9]+}/status`. */
  readonly path: string;
  /** The resource is @Consumes(application/json): a non-JSON Content-Type gets 415. */
  readonly consumesJson: boolean;
  /**
   * The method takes an entity: the server reads the body (size and time limits) before `handle`
   * (`bodyOf(c)`), and a body without any Content-Type gets 415, as Jersey answers.
   */
  readonly readsBody?: boolean;
  /**
   * The answer is not JSON (the gateway's own `/metrics`): no Accept check. Every Connect resource
   * is @Produces(application/json), so an Accept header that excludes JSON gets 406.
   */
  readonly producesText?: boolean;
  handle(c: Context, deps: RouteDeps): Promise<Response> | Response;
}

/**
 * `?name=true` the way Jersey reads a `@DefaultValue(defaultValue) @QueryParam boolean`: absent or
 * empty after String.trim (`?name`, `?name=`, `?name=%20`, `?name=%09`) is the default, anything
 * else Boolean.valueOf (only case-insensitive "true" is true); of repeated ones the first counts.
 */
export function booleanQuery(c: Context, name: string, defaultValue = false): boolean {
  const raw = c.req.query(name);
  return raw === undefined || javaTrim(raw) === "" ? defaultValue : raw.toLowerCase() === "true";
}
