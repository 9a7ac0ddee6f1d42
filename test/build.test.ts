/**
 * `scripts/build` produces single-file binaries: linux-x64 (the one the whole-gateway tests run)
 * and linux-arm64, whose Bun runtime comes from the npm registry.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import pkg from "../package.json" with { type: "json" };
import { REPO } from "./support/kafka.ts";

/** ELF e_machine: 0x3e = x86-64, 0xb7 = AArch64. */
function elfMachine(path: string): number {
  const header = readFileSync(path).subarray(0, 20);
  expect(header.subarray(0, 4).toString("latin1")).toBe("\x7fELF");
  return header.readUInt16LE(18);
}

describe("scripts/build", () => {
  test("builds a linux-arm64 binary", async () => {
    const proc = Bun.spawn(["bash", join(REPO, "scripts/build"), "--target", "linux-arm64"], {
      stdout: "pipe",
      stderr: "pipe",
    });
    const out = await new Response(proc.stdout).text();
    expect(await proc.exited).toBe(0);
    expect(out.trim()).toBe(join(REPO, "dist/gateway-linux-arm64"));
    expect(elfMachine(join(REPO, "dist/gateway-linux-arm64"))).toBe(0xb7);
  }, 180_000);

  test("the linux-x64 binary the tests use runs and reports its version", async () => {
    const bin = process.env.GATEWAY_BIN ?? join(REPO, "dist/gateway");
    expect(elfMachine(bin)).toBe(0x3e);
    const proc = Bun.spawn([bin, "--version"], { stdout: "pipe" });
    expect((await new Response(proc.stdout).text()).trim()).toBe(pkg.version);
    expect(await proc.exited).toBe(0);
  });
});
