/**
 * The path parameters of the `/connectors/{connector}` endpoints: the connector's name and a task
 * number (`-?[0-9]+`). Used by the connectors, connector state and connector offsets routes.
 */
import type { Context } from "hono";

export const C = "/connectors/:connector";
export const TASK = ":task{-?[0-9]+}";

export function name(c: Context): string {
  return c.req.param("connector") ?? "";
}

export function task(c: Context): number {
  return Number(c.req.param("task"));
}
