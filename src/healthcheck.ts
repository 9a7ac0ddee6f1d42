/**
 * `gateway healthcheck [url]`: GET <url>/health (`/health` joined to the URL's path, its query
 * kept), healthy when it answers 200 with `"status":"healthy"`. An unhealthy answer says why in one
 * line on stderr (the status and the health answer's status and message, or why the URL could not
 * be reached), which `docker inspect` shows for a failing HEALTHCHECK and an operator sees when
 * running it by hand; a healthy answer prints nothing, and a body that is no health answer (an
 * error page of whatever answered) is not printed. The URL is shown without its user info
 * (credentials for a `/health` taken out of `rest.authentication.exempt.paths`). The server's
 * certificate is not verified (a listener's own, often self-signed, certificate on loopback), except
 * when the URL carries credentials: those go to a verified server only (the system's CAs and
 * those of NODE_EXTRA_CA_CERTS, which Bun reads at start).
 */
import { messageOf } from "./errors.ts";
import { redactUrl } from "./http/http-client.ts";

export interface HealthcheckResult {
  readonly healthy: boolean;
  /** Why it is not healthy (absent when it is). */
  readonly reason?: string;
}

const MAX_MESSAGE = 300;

/** `url` with `/health` joined to its path (one `/` between), its query kept, its fragment dropped. */
export function healthUrl(url: string): URL {
  const target = new URL(url);
  target.pathname = `${target.pathname.replace(/\/+$/, "")}/health`;
  target.hash = "";
  return target;
}

export async function checkHealth(url: string, timeoutMs = 5000): Promise<HealthcheckResult> {
  let target: URL;
  try {
    target = healthUrl(url);
  } catch {
    return { healthy: false, reason: `not a URL: ${redactUrl(url)}` };
  }
  const shownUrl = redactUrl(target.href);
  const credentials = target.username !== "" || target.password !== "";
  let response: Response;
  try {
    response = await fetch(target, {
      signal: AbortSignal.timeout(timeoutMs),
      tls: { rejectUnauthorized: credentials },
    });
  } catch (error) {
    return { healthy: false, reason: `cannot reach ${shownUrl}: ${messageOf(error)}` };
  }
  const text = await response.text().catch(() => "");
  let body: { status?: unknown; message?: unknown } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {}
  if (response.status === 200 && body?.status === "healthy") return { healthy: true };
  if (typeof body?.status !== "string") return { healthy: false, reason: `${shownUrl} answered ${response.status}` };
  const said = `${body.status}${typeof body.message === "string" ? `: ${body.message}` : ""}`.replace(/\s+/g, " ");
  const shown = said.length > MAX_MESSAGE ? `${said.slice(0, MAX_MESSAGE)}…` : said;
  return { healthy: false, reason: `${shownUrl} answered ${response.status} (${shown})` };
}
