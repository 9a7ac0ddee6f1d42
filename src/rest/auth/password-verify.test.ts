import { describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { basicAuthenticator } from "./basic-auth.ts";
import { basic, middleware, serve } from "./middleware-harness.ts";
import { verifyPassword } from "./password-verify.ts";
import { tempFiles } from "./test-support.ts";

const SALT_ALPHABET = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A bcrypt hash made by libxcrypt (perl's crypt), a standard implementation: it reads 72 bytes. */
function externalBcrypt(password: string): string {
  const salt = [...randomBytes(22)].map((b) => SALT_ALPHABET[b % 64]).join("");
  const run = Bun.spawnSync(["perl", "-e", "print crypt($ARGV[0], $ARGV[1])", password, `$2b$10$${salt}`]);
  const hash = run.stdout.toString();
  if (!/^\$2b\$10\$.{53}$/.test(hash)) throw new Error(`perl crypt made no bcrypt hash: ${hash}`);
  return hash;
}

describe("bcrypt passwords over 72 bytes", () => {
  for (const length of [72, 73, 80]) {
    test(`a hash another tool made for a ${length}-byte password verifies, a different password does not`, async () => {
      const password = "p".repeat(length - 1) + "q";
      const hash = externalBcrypt(password);
      const authenticator = basicAuthenticator({ credentials: new Map([["alice", hash]]), cacheTtlMs: 0 });
      expect(await authenticator.authenticate("alice", password)).toBe(true);
      expect(await authenticator.authenticate("alice", `x${password.slice(1)}`)).toBe(false);
    });
  }

  test("multi-byte characters are cut at byte 72 as the other tool cuts them", async () => {
    const password = "é".repeat(40); // 80 bytes; byte 72 ends the 36th character
    const hash = externalBcrypt(password);
    expect(await verifyPassword(password, hash)).toBe(true);
    expect(await verifyPassword("é".repeat(36), hash)).toBe(true);
    expect(await verifyPassword("é".repeat(35), hash)).toBe(false);
  });

  test("a hash Bun.password made for an 80-byte password still verifies, its 72-byte prefix does not", async () => {
    const password = "b".repeat(79) + "c";
    const hash = await Bun.password.hash(password, { algorithm: "bcrypt", cost: 10 });
    expect(await verifyPassword(password, hash)).toBe(true);
    expect(await verifyPassword(password.slice(0, 72), hash)).toBe(false);
  });

  test("the REST API admits an 80-byte password whose hash another tool made", async () => {
    await using files = await tempFiles();
    const password = `${"long-pw-".repeat(10)}`; // 80 bytes
    const file = await files.write("users", `carol:${externalBcrypt(password)}\n`);
    const { auth } = middleware({
      "rest.authentication": "basic",
      "rest.authentication.basic.credentials.file": file,
    });
    await using server = serve(auth);
    const ok = await server.request("/connectors", { Authorization: basic("carol", password) });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ principal: { scheme: "basic", name: "carol" } });
    expect((await server.request("/connectors", { Authorization: basic("carol", "long-pw-") })).status).toBe(401);
  });
});
