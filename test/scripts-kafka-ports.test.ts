/**
 * scripts/kafka's listener ports. It finds them free, closes them, and the broker binds them seconds later: a port taken
 * meanwhile (by a process that is no scripts/kafka: other starts do not choose a port claimed) made the broker exit
 * during its start, and `start` fail; it now starts the broker again, on the ports still free and another for the one
 * taken. Its claims directory is used only when it is the user's own (no symlink, which could point its lock at any
 * file); `start` on a running broker fails when the broker's listeners are not those asked.
 */
import { expect, onTestFinished, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "./support/kafka.ts";
import { exited } from "./support/own-broker.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

/** The PLAINTEXT port in the ports file `start` writes (whole) once it has chosen them (none yet: undefined). */
function chosenPlainPort(state: string): number | undefined {
  let ports = "";
  try {
    ports = readFileSync(join(state, "ports"), "utf8");
  } catch {
    return undefined;
  }
  const plain = ports.match(/^ports\.plain=(\d+)$/m)?.[1];
  return plain === undefined ? undefined : Number(plain);
}

/** SIGKILLs the broker whose pid `start` wrote in `state` (none: nothing) and waits until it is gone. */
async function killBroker(state: string): Promise<void> {
  let pid: number;
  try {
    pid = Number(readFileSync(join(state, "broker.pid"), "utf8"));
    process.kill(pid, "SIGKILL");
  } catch {
    return; // never started, gone, or its state with it
  }
  await exited(pid);
}

test("a port taken between its choice and the broker's bind: the broker is started again on another", async () => {
  await using dir = await tempDir("kafka-ports-");
  const state = dir.file("state");
  // The broker is no child of this test (scripts/kafka detaches it): killed before the temp dir with its pid file
  // goes (disposals run in reverse order), and at the end of a test that timed out (Bun skips its disposals then).
  await using _broker = { [Symbol.asyncDispose]: () => killBroker(state) };
  onTestFinished(() => killBroker(state));
  const start = Bun.spawn(["bash", join(REPO, "scripts", "kafka"), "start"], {
    env: {
      ...process.env,
      KAFKA_STATE_DIR: state,
      KAFKA_LISTENERS: "plaintext",
      KAFKA_OPTS: "-XX:TieredStopAtLevel=1",
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  const output = Promise.all([new Response(start.stdout).text(), new Response(start.stderr).text()]);
  const taken = await waitFor(() => chosenPlainPort(state), { intervalMs: 5, what: "the ports chosen" });
  // Bound before the broker's JVM has started (the certificates and the log directory's format come first).
  const blocker = Bun.listen({ hostname: "127.0.0.1", port: taken, socket: { data() {} } });
  try {
    const [out, err] = await output;
    expect(await start.exited, err).toBe(0);
    expect(err).toContain("scripts/kafka: a port of the broker was taken before it bound it; starting it again");
    const bootstrap = out.match(/^bootstrap=(.*)$/m)?.[1];
    expect(bootstrap).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(bootstrap).not.toBe(`127.0.0.1:${taken}`);
    expect(chosenPlainPort(state)).toBe(Number(bootstrap!.split(":")[1]));
  } finally {
    blocker.stop(true);
  }
}, 120_000);

/** Runs `scripts/kafka start` with `env` over this process's, to its end. */
async function start(env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  const proc = Bun.spawn(["bash", join(REPO, "scripts", "kafka"), "start"], {
    env: { ...process.env, KAFKA_OPTS: "-XX:TieredStopAtLevel=1", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  return { code: await proc.exited, out, err };
}

test("a claims directory that is a symlink is refused: the ports are the system's choice, nothing is written through it; a running broker is not taken for one with other listeners", async () => {
  await using dir = await tempDir("kafka-claims-");
  const state = dir.file("state");
  await using _broker = { [Symbol.asyncDispose]: () => killBroker(state) };
  onTestFinished(() => killBroker(state));
  // Another account's directory would be refused the same way; the symlink's target stands for a file of the user's.
  const runtime = dir.file("runtime");
  const target = dir.file("target");
  mkdirSync(runtime);
  mkdirSync(target);
  symlinkSync(target, join(runtime, "edge-gateway-kafka-ports"));
  const env = { KAFKA_STATE_DIR: state, XDG_RUNTIME_DIR: runtime };

  const first = await start({ ...env, KAFKA_LISTENERS: " plaintext " });
  expect(first.code, first.err).toBe(0);
  expect(first.err).toContain(
    `scripts/kafka: ${join(runtime, "edge-gateway-kafka-ports")} is no directory of this user's (a symlink, another account's, or it cannot be made): ports are the system's choice, unclaimed\n`,
  );
  expect(readdirSync(target)).toEqual([]);
  const low = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
  expect(chosenPlainPort(state)).toBeGreaterThanOrEqual(low);
  expect(first.out).toContain(`bootstrap=127.0.0.1:${chosenPlainPort(state)}\n`);

  const more = await start({ ...env, KAFKA_LISTENERS: "plaintext, ssl" });
  expect({ code: more.code, out: more.out, err: more.err }).toEqual({
    code: 1,
    out: "",
    err: `scripts/kafka: the broker of ${state} runs with the listeners plaintext, not plaintext,ssl (KAFKA_LISTENERS=plaintext, ssl): \`scripts/kafka stop\` it (topics and offsets are kept) and start it again\n`,
  });
  const same = await start({ ...env, KAFKA_LISTENERS: "PLAINTEXT" });
  expect({ code: same.code, out: same.out }).toEqual({ code: 0, out: first.out });
}, 120_000);
