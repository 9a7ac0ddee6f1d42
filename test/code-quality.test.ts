/**
 * The repository's own checks, run as part of the suite so CI enforces them: one formatter and
 * linter (Biome) over every source file, and strict TypeScript.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { REPO } from "./support/kafka.ts";

async function run(cmd: string[]): Promise<{ code: number; output: string }> {
  const proc = Bun.spawn(cmd, { cwd: REPO, stdout: "pipe", stderr: "pipe" });
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  return { code: await proc.exited, output: out + err };
}

/**
 * Both checks start together the first time either is asked for: tsc (one core, the longest) runs
 * beside Biome instead of after it.
 */
let checks: { biome: Promise<{ code: number; output: string }>; tsc: Promise<{ code: number; output: string }> };
function started() {
  checks ??= {
    biome: run([join(REPO, "node_modules/.bin/biome"), "ci", "--colors=off", "--max-diagnostics=20", "."]),
    tsc: run([join(REPO, "node_modules/.bin/tsc"), "--noEmit", "-p", "."]),
  };
  return checks;
}

// Neither outlives the file (a test left out by a filter, or one that failed first).
afterAll(async () => {
  if (checks) await Promise.allSettled([checks.biome, checks.tsc]);
}, 180_000);

describe("code quality", () => {
  test("biome: formatted and lint-clean (run `npx biome check --write .`)", async () => {
    const { code, output } = await started().biome;
    expect(code === 0 ? "" : output).toBe("");
    // 11-21 s in a quiet CI run; beside tsc with helpers' brokers and gateways busy (load 17) it
    // took over the suite's 60 s.
  }, 180_000);

  test("tsc --noEmit passes in strict mode", async () => {
    const { code, output } = await started().tsc;
    expect(code === 0 ? "" : output).toBe("");
    // tsc over the whole repository took 39 s on 2 loaded cores, and timed out at the suite's 60 s
    // with other gateways and brokers busy.
  }, 180_000);
});
