/**
 * scripts/kafka's test certificates (the SSL listener's CA and certificate, the mTLS listener's
 * client CA and client certificate) are made valid 30 days, and a state directory is kept across
 * runs: `start` makes them again when one expires within 7 days, before the broker starts, and
 * keeps everything else of the state directory. A broker of the test's own on a temp state dir
 * whose certificates (placed there first) expire tomorrow.
 */
import { expect, test } from "bun:test";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connect } from "node:tls";
import { openssl } from "./support/command.ts";
import { REPO } from "./support/kafka.ts";
import { startOwnBroker } from "./support/own-broker.ts";
import { tempDir } from "./support/temp-dir.ts";

const WEEK_S = 7 * 86400;

/** Whether the PEM certificate at `path` is still valid a week from now (openssl -checkend). */
async function validAWeek(dir: string, path: string): Promise<boolean> {
  return openssl(dir, "x509", "-checkend", String(WEEK_S), "-noout", "-in", path).then(
    () => true,
    () => false,
  );
}

const CERTS = ["ca.pem", "broker.crt", "client-ca.pem", "client.crt"];

/** One self-signed certificate valid `days`, placed in `tls` as every certificate the script makes. */
async function placeCertificates(tls: string, days: number): Promise<void> {
  mkdirSync(tls, { recursive: true });
  await openssl(
    tls,
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    String(days),
    "-subj",
    "/CN=localhost",
    "-keyout",
    "old.key",
    "-out",
    "old.pem",
  );
  for (const name of CERTS) copyFileSync(join(tls, "old.pem"), join(tls, name));
  for (const name of ["ca.key", "broker.key", "client-ca.key", "client.key"])
    copyFileSync(join(tls, "old.key"), join(tls, name));
  writeFileSync(
    join(tls, "broker-keystore.pem"),
    readFileSync(join(tls, "old.key"), "utf8") + readFileSync(join(tls, "old.pem"), "utf8"),
  );
}

test("certificates that expire within 7 days are made again at start; the rest of the state is kept", async () => {
  await using dir = await tempDir("kafka-tls-");
  const state = dir.file("state");
  const tls = join(state, "tls");
  await placeCertificates(tls, 1);
  expect(await validAWeek(tls, "ca.pem")).toBe(false);
  writeFileSync(join(state, "user-file"), "kept");

  await using broker = await startOwnBroker(state, "", { listeners: ["PLAINTEXT", "SSL"] });
  for (const name of CERTS) expect([name, await validAWeek(tls, name)]).toEqual([name, true]);
  expect(readFileSync(join(state, "user-file"), "utf8")).toBe("kept");
  // The SSL listener serves the new certificate, signed by the new CA the info names.
  const [host, port] = broker.info.bootstrap_ssl!.split(":");
  const validTo = await new Promise<string>((resolve, reject) => {
    const socket = connect(
      { host, port: Number(port), ca: readFileSync(broker.info.ssl_ca!), servername: "localhost" },
      () => {
        resolve(socket.getPeerCertificate().valid_to);
        socket.destroy();
      },
    );
    socket.on("error", reject);
  });
  expect(new Date(validTo).getTime()).toBeGreaterThan(Date.now() + WEEK_S * 1000);
}, 240_000);

/**
 * `start` on a running broker prints its info and leaves it running: the broker keeps the
 * certificates it loaded, so the script cannot renew them without a restart that would cut off
 * every client of a shared broker. It says on stderr which ones expire and what to do.
 * Regression (leftovers22): it printed the info without a word. The "broker" is a process whose
 * command line names kafka.Kafka (what scripts/kafka checks before taking a pid for its broker).
 */
test("start on a running broker whose certificates expire within 7 days says to stop and start it", async () => {
  await using dir = await tempDir("kafka-tls-running-");
  const state = dir.file("state");
  const tls = join(state, "tls");
  await placeCertificates(tls, 1);
  const broker = Bun.spawn(["bash", "-c", "read -r _", "kafka.Kafka"], { stdin: "pipe" });
  try {
    writeFileSync(join(state, "broker.pid"), `${broker.pid}\n`);
    writeFileSync(join(state, "info"), `bootstrap=127.0.0.1:1\npid=${broker.pid}\n`);
    const before = CERTS.map((name) => readFileSync(join(tls, name), "utf8"));
    const start = () =>
      Bun.spawnSync([join(REPO, "scripts/kafka"), "start"], {
        env: { ...process.env, KAFKA_STATE_DIR: state, KAFKA_LISTENERS: "plaintext" },
      });

    const expiring = start();
    expect(expiring.exitCode).toBe(0);
    expect(expiring.stdout.toString()).toBe(`bootstrap=127.0.0.1:1\npid=${broker.pid}\n`);
    expect(expiring.stderr.toString()).toBe(
      `scripts/kafka: WARNING: the running broker's test certificates expire within 7 days or are missing (ca.pem broker.crt client-ca.pem client.crt in ${tls}); a running broker is not restarted to renew them: run \`scripts/kafka stop\` then \`scripts/kafka start\` (topics and offsets are kept) when no test uses it\n`,
    );
    expect(CERTS.map((name) => readFileSync(join(tls, name), "utf8"))).toEqual(before);
    expect(broker.exitCode).toBeNull();

    await placeCertificates(tls, 30);
    const valid = start();
    expect(valid.exitCode).toBe(0);
    expect(valid.stderr.toString()).toBe("");
  } finally {
    broker.kill();
    await broker.exited;
  }
});
