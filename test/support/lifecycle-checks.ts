/**
 * The lifecycle stress test's (test/lifecycle-stress.test.ts) REST calls and settled-state check:
 * every call has a deadline (no hang), and a connector has settled when its status shows its target
 * state for it and for exactly the tasks GET …/tasks lists.
 */
import { existsSync, readFileSync } from "node:fs";
import type { Gateway } from "./gateway.ts";
import type { ConnectorModel, Target } from "./lifecycle-ops.ts";

export function fileLines(path: string): string[] {
  return existsSync(path)
    ? readFileSync(path, "utf8")
        .split("\n")
        .filter((l) => l !== "")
    : [];
}

export async function send(gw: Gateway, method: string, path: string, body?: unknown) {
  const response = await fetch(`${gw.url}${path}`, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    // "No hang": every answer within the herder's worst case (graceful stops) and then some.
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  return {
    status: response.status,
    text,
    body: text.startsWith("{") || text.startsWith("[") ? JSON.parse(text) : text,
  };
}

/** The state the connector's status must reach, or a description of why it has not. */
export async function convergence(gw: Gateway, c: ConnectorModel, target: Target): Promise<string | true> {
  const status = await send(gw, "GET", `/connectors/${c.name}/status`);
  const tasks = await send(gw, "GET", `/connectors/${c.name}/tasks`);
  const config = await send(gw, "GET", `/connectors/${c.name}/config`);
  if (status.status !== 200 || tasks.status !== 200 || config.status !== 200) return `${c.name}: ${status.text}`;
  const states: { id: number; state: string }[] = status.body.tasks;
  const ids = states.map((t) => t.id).sort();
  const configured = (tasks.body as { id: { task: number } }[]).map((t) => t.id.task).sort();
  const expectedCount = c.kind === "source" ? 1 : Number(config.body["tasks.max"]);
  const problems = [
    status.body.connector.state !== target && `connector ${status.body.connector.state}`,
    JSON.stringify(ids) !== JSON.stringify(configured) && `status tasks ${ids} vs configured ${configured}`,
    states.some((t) => t.state !== target) && `task states ${states.map((t) => t.state)}`,
    target === "STOPPED" && ids.length !== 0 && `${ids.length} tasks when STOPPED`,
    target === "RUNNING" && ids.length !== expectedCount && `${ids.length} tasks, tasks.max ${expectedCount}`,
  ].filter(Boolean);
  return problems.length === 0 ? true : `${c.name} (target ${target}): ${problems.join("; ")}`;
}
