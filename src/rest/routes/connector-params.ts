/**
 * The path parameters of the `/connectors/{connector}` endpoints: the connector's name and a task
 * number (`-?[0-9]+`). Used by the connectors, connector state and connector offsets routes.
 */
import type { Context } from "hono";
import { NotFoundError } from "../../errors.ts";
import { HTTP_MESSAGES } from "../error-mapping.ts";

export const C = "/connectors/:connector";
export const TASK = ":task{-?[0-9]+}";

export function name(c: Context): string {
  return c.req.param("connector") ?? "";
}

/** The task number; one beyond Java's int range fails Jersey's conversion of `{task}`: 404. */
export function task(c: Context): number {
  const id = Number(c.req.param("task"));
  if (!Number.isSafeInteger(id) || id < -2147483648 || id > 2147483647) {
    throw new NotFoundError(HTTP_MESSAGES[404]);
  }
  return id;
}
