import { describe, expect, test } from "bun:test";
import { ConfigError } from "../../errors.ts";
import type { Clock } from "../../util/clock.ts";
import { ManualClock } from "../../util/manual-clock.ts";
import { basicAuthenticator, hashClass, loadCredentialsFile, parseCredentials, weakHashReason } from "./basic-auth.ts";
import { fastHash, tempFiles, weakHash } from "./test-support.ts";

function countingVerify() {
  const hashes: string[] = [];
  return {
    hashes,
    verifyPassword: (password: string, hash: string) => {
      hashes.push(hash);
      return Bun.password.verify(password, hash);
    },
  };
}

function manualClock(start = 1_000_000): Clock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    sleep: async () => undefined,
    advance: (ms) => {
      now += ms;
    },
  };
}

describe("parseCredentials", () => {
  test("reads user:hash lines, skipping comments and blank lines", async () => {
    const argon = await fastHash.argon2id("a-password");
    const bcrypt = await fastHash.bcrypt("b-password");
    const text = ["# REST users", "", `alice:${argon}`, "  # indented comment", `bob : ${bcrypt}\r`, ""].join("\n");
    expect([...parseCredentials(text)]).toEqual([
      ["alice", argon],
      ["bob", bcrypt],
    ]);
  });

  test("accepts htpasswd's bcrypt prefixes $2y$ and $2a$", async () => {
    const hash = await fastHash.bcrypt("pw");
    for (const prefix of ["$2y$", "$2a$"]) {
      expect(parseCredentials(`carol:${hash.replace("$2b$", prefix)}`).get("carol")).toStartWith(prefix);
    }
  });

  test.each([
    [
      "plaintext password",
      "alice:hunter2-plain",
      'line 1: the password of user "alice" is not an argon2 or bcrypt hash',
    ],
    ["htpasswd MD5", "alice:$apr1$abc$defghijklmnopqrstuvw", 'line 1: the password of user "alice" is not'],
    ["truncated argon2", "# c\nalice:$argon2id$v=19$m=65536", 'line 2: the password of user "alice" is not'],
    ["missing colon", "alice", "line 1: expected user:hash"],
    ["empty user", ":$2b$04$abc", "line 1: expected user:hash"],
    ["nothing but comments", "# nobody\n\n", "the file holds no credentials"],
  ])("refuses %s", (_case, text, message) => {
    expect(() => parseCredentials(text)).toThrow(ConfigError);
    expect(() => parseCredentials(text)).toThrow(message);
  });

  test("refuses a user listed twice", async () => {
    const hash = await fastHash.bcrypt("pw");
    expect(() => parseCredentials(`alice:${hash}\nalice:${hash}`)).toThrow(
      'line 2: user "alice" is listed more than once',
    );
  });

  test("never quotes a plaintext password in its message", () => {
    let message = "";
    try {
      parseCredentials("alice:correct-horse-battery-staple");
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("plaintext passwords are not accepted");
    expect(message).not.toContain("correct-horse");
  });
});

describe("loadCredentialsFile", () => {
  test("reads the file", async () => {
    await using files = await tempFiles();
    const hash = await fastHash.bcrypt("pw");
    const path = await files.write("users", `alice:${hash}\n`);
    expect([...loadCredentialsFile(path)]).toEqual([["alice", hash]]);
  });

  test.each([
    ["argon2id", 'the password hash of user "bob" is too weak: its argon2 cost (m=256, t=1) is below OWASP\'s minimum'],
    ["argon2d", 'the password hash of user "bob" is too weak: argon2d is open to side-channel attacks; use argon2id'],
    ["bcrypt", 'the password hash of user "bob" is too weak: its bcrypt cost 4 is below 10'],
  ] as const)("refuses a weak %s hash, naming the user (issue 13)", async (algorithm, message) => {
    await using files = await tempFiles();
    const path = await files.write(
      "users",
      `alice:${await fastHash.bcrypt("pw")}\nbob:${await weakHash[algorithm]("pw")}\n`,
    );
    expect(() => loadCredentialsFile(path)).toThrow(message);
  });

  test("accepts OWASP's argon2 table rows and Bun's defaults", async () => {
    for (const [memoryCost, timeCost] of [
      [47104, 1],
      [12288, 3],
      [65536, 2],
    ] as const) {
      expect(
        weakHashReason(await Bun.password.hash("pw", { algorithm: "argon2id", memoryCost, timeCost })),
      ).toBeUndefined();
    }
    expect(
      weakHashReason(await Bun.password.hash("pw", { algorithm: "argon2id", memoryCost: 47103, timeCost: 1 })),
    ).toContain("below");
    expect(weakHashReason(await Bun.password.hash("pw", "bcrypt"))).toBeUndefined();
  });

  test("with quoteUsers false (a file a REST caller names) a message gives the line, never the file's text", async () => {
    await using files = await tempFiles();
    const hash = await fastHash.bcrypt("pw");
    const noQuotes = { quoteUsers: false };
    for (const [text, message] of [
      ["API_TOKEN_sk_live_abc123:plain", "line 1: the password is not an argon2 or bcrypt hash"],
      [
        `# c\nAPI_TOKEN_sk_live_abc123:${hash}\nAPI_TOKEN_sk_live_abc123:${hash}`,
        "line 3: its user is listed more than once",
      ],
      [
        `API_TOKEN_sk_live_abc123:${await weakHash.bcrypt("pw")}`,
        "line 1: the password hash is too weak: its bcrypt cost 4",
      ],
    ] as const) {
      const path = await files.write("users", text);
      expect(() => loadCredentialsFile(path, noQuotes)).toThrow(message);
      expect(() => loadCredentialsFile(path, noQuotes)).not.toThrow("sk_live");
      expect(() => loadCredentialsFile(path)).toThrow('"API_TOKEN_sk_live_abc123"');
    }
  });

  test("refuses a FIFO and a file over 1 MiB at once, naming the reason", async () => {
    await using files = await tempFiles();
    const fifo = files.path("fifo");
    expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
    expect(() => loadCredentialsFile(fifo)).toThrow("cannot read the file: not a regular file");
    const big = await files.write("big", "#".repeat(1024 * 1024 + 1));
    expect(() => loadCredentialsFile(big)).toThrow("cannot read the file: larger than 1 MiB");
  });

  test("reports an unreadable file as a ConfigError", async () => {
    await using files = await tempFiles();
    expect(() => loadCredentialsFile(files.path("missing"))).toThrow(/^cannot read the file: .*ENOENT/);
  });
});

describe("basicAuthenticator", () => {
  describe.each(["argon2id", "bcrypt"] as const)("with %s hashes", (algorithm) => {
    test("accepts the right password and refuses a wrong one or an unknown user", async () => {
      const hash = await fastHash[algorithm]("s3cret-pw");
      const auth = basicAuthenticator({ credentials: new Map([["alice", hash]]) });
      expect(await auth.authenticate("alice", "s3cret-pw")).toBe(true);
      expect(await auth.authenticate("alice", "wrong")).toBe(false);
      expect(await auth.authenticate("alice", "")).toBe(false);
      expect(await auth.authenticate("mallory", "s3cret-pw")).toBe(false);
    });

    test("an unknown user costs one verify against a dummy hash of the same algorithm and cost", async () => {
      const hash = await fastHash[algorithm]("s3cret-pw");
      const counter = countingVerify();
      const auth = basicAuthenticator({ credentials: new Map([["alice", hash]]), ...counter });
      expect(await auth.authenticate("mallory", "s3cret-pw")).toBe(false);
      expect(counter.hashes).toHaveLength(1);
      const dummy = counter.hashes[0]!;
      expect(dummy).not.toBe(hash);
      const params = (h: string) => (algorithm === "bcrypt" ? h.slice(0, 7) : h.split("$").slice(0, 4).join("$"));
      expect(params(dummy)).toBe(params(hash));
    });
  });

  test("every attempt verifies once per hash class, in one order, whatever the file mixes (issue 13)", async () => {
    const counter = countingVerify();
    const credentials = new Map([
      ["alice", await fastHash.argon2id("a-pw")],
      ["bob", await fastHash.bcrypt("b-pw")],
      ["carol", await fastHash.argon2id("c-pw")],
    ]);
    const auth = basicAuthenticator({ credentials, cacheTtlMs: 0, ...counter });
    const classesOf = async (user: string, password: string) => {
      counter.hashes.length = 0;
      const ok = await auth.authenticate(user, password);
      return { ok, classes: counter.hashes.map(hashClass) };
    };
    const expected = ["argon2id$m=19456,t=2", "bcrypt$10"];
    expect(await classesOf("mallory", "x")).toEqual({ ok: false, classes: expected });
    expect(await classesOf("alice", "wrong")).toEqual({ ok: false, classes: expected });
    expect(await classesOf("bob", "wrong")).toEqual({ ok: false, classes: expected });
    expect(await classesOf("bob", "b-pw")).toEqual({ ok: true, classes: expected });
    // The user's own hash is the one verified for its class; the others are dummies.
    expect(counter.hashes).toEqual([expect.not.stringMatching(credentials.get("alice")!), credentials.get("bob")]);
  });

  describe("cache", () => {
    test("a verified pair is not verified again until the TTL passes", async () => {
      const counter = countingVerify();
      const clock = manualClock();
      const auth = basicAuthenticator({
        credentials: new Map([["alice", await fastHash.argon2id("pw")]]),
        cacheTtlMs: 60_000,
        clock,
        ...counter,
      });
      expect(await auth.authenticate("alice", "pw")).toBe(true);
      expect(await auth.authenticate("alice", "pw")).toBe(true);
      expect(counter.hashes).toHaveLength(1);
      clock.advance(60_000);
      expect(await auth.authenticate("alice", "pw")).toBe(true);
      expect(counter.hashes).toHaveLength(2);
    });

    test.each([
      ["back", -3_600_000],
      ["forward", 3_600_000],
    ])("a step %s of the host's wall clock neither keeps nor drops a verified pair", async (_dir, step) => {
      const counter = countingVerify();
      const clock = new ManualClock(1_000_000);
      const auth = basicAuthenticator({
        credentials: new Map([["alice", await fastHash.argon2id("pw")]]),
        cacheTtlMs: 60_000,
        clock,
        ...counter,
      });
      expect(await auth.authenticate("alice", "pw")).toBe(true);
      clock.stepWallClock(step);
      clock.advance(59_000);
      expect(await auth.authenticate("alice", "pw")).toBe(true);
      expect(counter.hashes).toHaveLength(1);
      clock.advance(1_000);
      expect(await auth.authenticate("alice", "pw")).toBe(true);
      expect(counter.hashes).toHaveLength(2);
    });

    test("failures are not cached, and a cached success does not admit another password", async () => {
      const counter = countingVerify();
      const auth = basicAuthenticator({ credentials: new Map([["alice", await fastHash.bcrypt("pw")]]), ...counter });
      expect(await auth.authenticate("alice", "pw")).toBe(true);
      expect(await auth.authenticate("alice", "nope")).toBe(false);
      expect(await auth.authenticate("alice", "nope")).toBe(false);
      expect(await auth.authenticate("alice", "pw!")).toBe(false);
      expect(counter.hashes).toHaveLength(4);
    });

    test("concurrent identical requests share one verify", async () => {
      const counter = countingVerify();
      const auth = basicAuthenticator({ credentials: new Map([["alice", await fastHash.bcrypt("pw")]]), ...counter });
      const results = await Promise.all([1, 2, 3, 4].map(() => auth.authenticate("alice", "pw")));
      expect(results).toEqual([true, true, true, true]);
      expect(counter.hashes).toHaveLength(1);
    });

    test("holds at most cacheMaxEntries pairs, dropping the oldest", async () => {
      const counter = countingVerify();
      const credentials = new Map([
        ["alice", await fastHash.bcrypt("a")],
        ["bob", await fastHash.bcrypt("b")],
      ]);
      const auth = basicAuthenticator({ credentials, cacheMaxEntries: 1, ...counter });
      await auth.authenticate("alice", "a");
      await auth.authenticate("bob", "b");
      await auth.authenticate("bob", "b");
      await auth.authenticate("alice", "a");
      expect(counter.hashes).toHaveLength(3);
    });

    test("cacheTtlMs 0 verifies every time", async () => {
      const counter = countingVerify();
      const auth = basicAuthenticator({
        credentials: new Map([["alice", await fastHash.bcrypt("pw")]]),
        cacheTtlMs: 0,
        ...counter,
      });
      await auth.authenticate("alice", "pw");
      await auth.authenticate("alice", "pw");
      expect(counter.hashes).toHaveLength(2);
    });
  });

  test("hasUser tells known users apart (for log lines only)", async () => {
    const auth = basicAuthenticator({ credentials: new Map([["alice", await fastHash.bcrypt("pw")]]) });
    expect([auth.hasUser("alice"), auth.hasUser("mallory")]).toEqual([true, false]);
  });
});
