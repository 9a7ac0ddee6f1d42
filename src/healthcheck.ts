/**
 * `gateway healthcheck [url]`: GET <url>/health, healthy when it answers 200 with
 * `"status":"healthy"`. An unhealthy answer says why in one line on stderr (the status and the
 * health message, or why the URL could not be reached), which `docker inspect` shows for a failing
 * HEALTHCHECK and an operator sees when running it by hand; a healthy answer prints nothing. The
 * URL is shown without its user info (credentials for a /health outside rest.auth.public.paths).
 */
import { messageOf } from "./errors.ts";
import { redactUrl } from "./http/http-client.ts";

export interface HealthcheckResult {
  readonly healthy: boolean;
  /** Why it is not healthy (absent when it is). */
  readonly reason?: string;
}

const MAX_MESSAGE = 300;

export async function checkHealth(url: string, timeoutMs = 5000): Promise<HealthcheckResult> {
  const target = `${url.replace(/\/$/, "")}/health`;
  let response: Response;
  try {
    response = await fetch(target, { signal: AbortSignal.timeout(timeoutMs), tls: { rejectUnauthorized: false } });
  } catch (error) {
    return { healthy: false, reason: `cannot reach ${redactUrl(target)}: ${messageOf(error)}` };
  }
  const text = await response.text().catch(() => "");
  let body: { status?: unknown; message?: unknown } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {}
  if (response.status === 200 && body.status === "healthy") return { healthy: true };
  const said =
    typeof body.status === "string"
      ? `${body.status}${typeof body.message === "string" ? `: ${body.message}` : ""}`
      : text.replace(/\s+/g, " ").trim();
  const shown = said.length > MAX_MESSAGE ? `${said.slice(0, MAX_MESSAGE)}…` : said;
  return { healthy: false, reason: `${redactUrl(target)} answered ${response.status}${shown ? ` (${shown})` : ""}` };
}
