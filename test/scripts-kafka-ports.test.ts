/**
 * scripts/kafka finds its listeners' ports free, closes them, and the broker binds them seconds later: a port taken
 * meanwhile (another broker starting beside it chose it too, or a connection was given it as its local port) made the
 * broker exit during its start, and `start` fail. It now starts the broker again, on the ports still free and another
 * for the one taken. A broker of the test's own whose PLAINTEXT port is taken as soon as the script has chosen it.
 */
import { expect, onTestFinished, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "./support/kafka.ts";
import { exited } from "./support/own-broker.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

/** The PLAINTEXT port in the ports file `start` writes once it has chosen all five (none yet: undefined). */
function chosenPlainPort(state: string): number | undefined {
  let ports = "";
  try {
    ports = readFileSync(join(state, "ports"), "utf8");
  } catch {
    return undefined;
  }
  const plain = ports.match(/^ports\.plain=(\d+)$/m)?.[1];
  return /^ports\.mtls=\d+$/m.test(ports) && plain !== undefined ? Number(plain) : undefined;
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
    env: { ...process.env, KAFKA_STATE_DIR: state, KAFKA_OPTS: "-XX:TieredStopAtLevel=1" },
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
