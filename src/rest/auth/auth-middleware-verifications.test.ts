/**
 * The REST authentication middleware's global bound on password verifications
 * (rest.authentication.basic.max.concurrent.verifications): past it a Basic attempt that needs a
 * verify is 503 with Retry-After at once, as an ingest connector answers.
 */
import { describe, expect, test } from "bun:test";
import { waitFor } from "../../../test/support/wait-for.ts";
import { restAuthenticationConfigDef, restAuthenticationOptions } from "./auth-config.ts";
import { restAuthentication } from "./auth-middleware.ts";
import type { BasicAuthenticator } from "./basic-auth.ts";
import { basic, credentialsFile, serve } from "./middleware-harness.ts";
import { capturingLogger, tempFiles } from "./test-support.ts";

/** An authenticator whose verifies wait until the test releases them; "cached" is a cached password. */
function gatedAuthenticator() {
  const waiting: (() => void)[] = [];
  let started = 0;
  const authenticator: BasicAuthenticator = {
    hasUser: (user) => user === "alice",
    isCached: (_user, password) => password === "cached",
    authenticate: (_user, password) => {
      if (password === "cached") return Promise.resolve(true);
      started++;
      return new Promise((resolve) => waiting.push(() => resolve(password === "right")));
    },
  };
  return {
    authenticator,
    get started() {
      return started;
    },
    releaseAll: () => {
      for (const release of waiting.splice(0)) release();
    },
  };
}

describe("rest.authentication.basic.max.concurrent.verifications", () => {
  test("one more verify than the cap is 503 with Retry-After at once; cached pairs and later attempts pass", async () => {
    const gate = gatedAuthenticator();
    const { logger } = capturingLogger();
    const auth = restAuthentication({
      basic: { authenticator: gate.authenticator, realm: "Kafka Connect" },
      bearer: null,
      exemptPaths: ["/health"],
      throttle: null,
      maxConcurrentVerifications: 2,
      logger,
    });
    await using server = serve(auth);
    const first = server.request("/connectors", { Authorization: basic("alice", "right") });
    const second = server.request("/connectors", { Authorization: basic("alice", "wrong") });
    await waitFor(() => gate.started === 2, { intervalMs: 5, what: "two verifies under way" });
    const busy = await server.request("/connectors", { Authorization: basic("alice", "right") });
    expect(busy.status).toBe(503);
    expect(busy.headers.get("Retry-After")).toBe("1");
    expect(await busy.json()).toEqual({
      error_code: 503,
      message: "Too many password verifications in progress; try again later",
    });
    expect(gate.started).toBe(2);
    expect((await server.request("/connectors", { Authorization: basic("alice", "cached") })).status).toBe(200);
    gate.releaseAll();
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(401);
    const after = server.request("/connectors", { Authorization: basic("alice", "right") });
    await waitFor(() => gate.started === 3, { intervalMs: 5, what: "a third verify" });
    gate.releaseAll();
    expect((await after).status).toBe(200);
  });

  test("defaults to 4 as the ingest key, 0 means no cap, a negative value is refused", async () => {
    await using files = await tempFiles();
    const file = await credentialsFile(files);
    const options = (extra: Record<string, string>) =>
      restAuthenticationOptions(
        restAuthenticationConfigDef.parse({
          "rest.authentication": "basic",
          "rest.authentication.basic.credentials.file": file,
          ...extra,
        }),
        { logger: capturingLogger().logger },
      );
    expect(options({})?.maxConcurrentVerifications).toBe(4);
    expect(options({ "rest.authentication.basic.max.concurrent.verifications": "0" })?.maxConcurrentVerifications).toBe(
      0,
    );
    expect(() => options({ "rest.authentication.basic.max.concurrent.verifications": "-1" })).toThrow(
      "rest.authentication.basic.max.concurrent.verifications",
    );
  });
});
