/**
 * Test harness for the REST authentication middleware (auth-middleware.ts): a real REST server on
 * port 0 with the middleware in front of a test route and /health, a credentials file of two users
 * (argon2id and bcrypt), and the middleware built from worker settings with a readable log. Used by
 * auth-middleware.test.ts and auth-middleware-lockout.test.ts.
 */
import { Hono, type MiddlewareHandler } from "hono";
import type { RawConfig } from "../../plugin/config-def.ts";
import type { Clock } from "../../util/clock.ts";
import { restAuthenticationConfigDef, restAuthenticationOptions } from "./auth-config.ts";
import { principalOf, type RestAuthenticationEnv, restAuthentication } from "./auth-middleware.ts";
import { capturingLogger, fastHash, type TempFiles } from "./test-support.ts";

export const PASSWORDS = { alice: "alice-S3cret-pw", bob: "bob-S3cret-pw" };
export const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

/** A REST server on port 0: the middleware (when on) in front of a test route and /health. */
export function serve(auth: MiddlewareHandler<RestAuthenticationEnv> | null) {
  const app = new Hono<RestAuthenticationEnv>();
  if (auth) app.use("*", auth);
  app.get("/connectors", (c) => c.json({ principal: principalOf(c) ?? null }));
  app.get("/health", (c) => c.json({ status: "healthy" }));
  app.options("/connectors", () => new Response(null, { status: 204 }));
  app.notFound(() => Response.json({ error_code: 404, message: "HTTP 404 Not Found" }, { status: 404 }));
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: app.fetch });
  return {
    request: (path: string, headers: Record<string, string> = {}, method = "GET") =>
      fetch(`http://127.0.0.1:${server.port}${path}`, { method, headers }),
    [Symbol.asyncDispose]: () => server.stop(true),
  };
}

export async function credentialsFile(files: TempFiles) {
  return files.write(
    "users",
    [
      "# alice has an argon2id hash, bob a bcrypt one",
      `alice:${await fastHash.argon2id(PASSWORDS.alice)}`,
      `bob:${await fastHash.bcrypt(PASSWORDS.bob)}`,
    ].join("\n"),
  );
}

export function middleware(raw: RawConfig, clock?: Clock) {
  const { logger, lines } = capturingLogger();
  const options = restAuthenticationOptions(restAuthenticationConfigDef.parse(raw), {
    logger,
    ...(clock ? { clock } : {}),
  });
  return { auth: restAuthentication(options && { ...options, logger }), lines };
}
