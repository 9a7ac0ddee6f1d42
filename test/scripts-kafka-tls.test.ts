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

test("certificates that expire within 7 days are made again at start; the rest of the state is kept", async () => {
  await using dir = await tempDir("kafka-tls-");
  const state = dir.file("state");
  const tls = join(state, "tls");
  mkdirSync(tls, { recursive: true });
  // One self-signed certificate valid 1 day, placed as every certificate the script makes.
  await openssl(
    tls,
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "1",
    "-subj",
    "/CN=localhost",
    "-keyout",
    "old.key",
    "-out",
    "old.pem",
  );
  for (const name of ["ca.pem", "broker.crt", "client-ca.pem", "client.crt"])
    copyFileSync(join(tls, "old.pem"), join(tls, name));
  for (const name of ["ca.key", "broker.key", "client-ca.key", "client.key"])
    copyFileSync(join(tls, "old.key"), join(tls, name));
  writeFileSync(
    join(tls, "broker-keystore.pem"),
    readFileSync(join(tls, "old.key"), "utf8") + readFileSync(join(tls, "old.pem"), "utf8"),
  );
  expect(await validAWeek(tls, "ca.pem")).toBe(false);
  writeFileSync(join(state, "user-file"), "kept");

  await using broker = await startOwnBroker(state);
  for (const name of ["ca.pem", "broker.crt", "client-ca.pem", "client.crt"])
    expect([name, await validAWeek(tls, name)]).toEqual([name, true]);
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
