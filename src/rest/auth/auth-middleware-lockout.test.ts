/**
 * The REST authentication middleware with the LoginThrottle (rest.authentication.failures.*):
 * 429 with Retry-After after failures.max failed attempts from one address, good logins between
 * them not clearing the count, and concurrent guesses judged in turn.
 */
import { describe, expect, test } from "bun:test";
import { ManualClock } from "../../util/manual-clock.ts";
import { basic, credentialsFile, middleware, PASSWORDS, serve } from "./middleware-harness.ts";
import { tempFiles } from "./test-support.ts";

describe("restAuthentication after repeated failures from one address (issue 13)", () => {
  test("answers 429 with Retry-After without checking credentials, until the lockout has passed", async () => {
    await using files = await tempFiles();
    const clock = new ManualClock(1_000_000);
    const { auth, lines } = middleware(
      {
        "rest.authentication": "basic",
        "rest.authentication.basic.credentials.file": await credentialsFile(files),
        "rest.authentication.failures.max": "3",
        "rest.authentication.failures.lockout.ms": "30000",
      },
      clock,
    );
    await using server = serve(auth);
    const good = { Authorization: basic("alice", PASSWORDS.alice) };
    for (let i = 0; i < 3; i++) {
      expect((await server.request("/connectors", { Authorization: basic("alice", `guess-${i}`) })).status).toBe(401);
    }
    const blocked = await server.request("/connectors", good);
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get("Retry-After")).toBe("30");
    expect(await blocked.json()).toEqual({
      error_code: 429,
      message: "Too many failed authentication attempts; retry later",
    });
    expect((await server.request("/health")).status).toBe(200);
    expect(lines.filter((l) => l.includes("WARN Blocking 127.0.0.1 for 30 s"))).toHaveLength(1);
    clock.advance(20_000);
    expect((await server.request("/connectors", good)).headers.get("Retry-After")).toBe("10");
    clock.advance(10_000);
    expect((await server.request("/connectors", good)).status).toBe(200);
  });

  // Leftover (session 11): a good login cleared the count, so a guesser sharing an address with
  // a client that logs in (or holding one password and guessing another user's) was never blocked.
  // The documented rule counts failed attempts within the window, whatever succeeds between them.
  test("a good login between failed attempts does not clear their count", async () => {
    await using files = await tempFiles();
    const clock = new ManualClock(1_000_000);
    const { auth } = middleware(
      {
        "rest.authentication": "basic",
        "rest.authentication.basic.credentials.file": await credentialsFile(files),
        "rest.authentication.failures.max": "3",
        "rest.authentication.failures.lockout.ms": "30000",
      },
      clock,
    );
    await using server = serve(auth);
    const good = { Authorization: basic("alice", PASSWORDS.alice) };
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await server.request("/connectors", { Authorization: basic("bob", `guess-${i}`) })).status);
      statuses.push((await server.request("/connectors", good)).status);
    }
    expect(statuses).toEqual([401, 200, 401, 200, 401, 429]);
    clock.advance(30_000);
    expect((await server.request("/connectors", good)).status).toBe(200);
  });

  // adminauth hunt 2026-12-03: failures were counted once a verify ended, so guesses sent at once
  // were all verified (30 of them with failures.max 3): the throttle did not bound a burst.
  test("guesses sent at once are judged in turn: only failures.max are verified, the rest get 429", async () => {
    await using files = await tempFiles();
    const { auth, lines } = middleware({
      "rest.authentication": "basic",
      "rest.authentication.basic.credentials.file": await credentialsFile(files),
      "rest.authentication.failures.max": "3",
    });
    await using server = serve(auth);
    const statuses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        server.request("/connectors", { Authorization: basic("alice", `guess-${i}`) }).then((r) => r.status),
      ),
    );
    expect(statuses.filter((s) => s === 401)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(17);
    expect(lines.filter((l) => l.includes("TRACE Verified a password"))).toHaveLength(3);
  });

  test("logins sent at once with the right password are all admitted", async () => {
    await using files = await tempFiles();
    const { auth } = middleware({
      "rest.authentication": "basic",
      "rest.authentication.basic.credentials.file": await credentialsFile(files),
      "rest.authentication.failures.max": "3",
    });
    await using server = serve(auth);
    const statuses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        server
          .request("/connectors", {
            Authorization: basic(i % 2 ? "alice" : "bob", PASSWORDS[i % 2 ? "alice" : "bob"]),
          })
          .then((r) => r.status),
      ),
    );
    expect(statuses).toEqual(Array(10).fill(200));
  });

  test("a request without credentials is not a failed attempt", async () => {
    await using files = await tempFiles();
    const { auth } = middleware({
      "rest.authentication": "basic",
      "rest.authentication.basic.credentials.file": await credentialsFile(files),
      "rest.authentication.failures.max": "1",
    });
    await using server = serve(auth);
    expect((await server.request("/connectors")).status).toBe(401);
    expect((await server.request("/connectors")).status).toBe(401);
    expect((await server.request("/connectors", { Authorization: basic("bob", PASSWORDS.bob) })).status).toBe(200);
  });
});
