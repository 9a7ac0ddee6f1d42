/**
 * The README's device ingest security commands, run as written (the blocks under "## Device ingest
 * security and the spool"): the openssl commands that make a device CA and a device certificate
 * and revoke it, the ingest listener's worker properties, the mTLS `curl`, the connector with
 * mtls+jwt authentication and the Bearer token `curl`. Each command runs through `bash -c` with the
 * README's quoting against the gateway (the compiled binary under GATEWAY_BIN) and the real broker;
 * it must exit 0 and its records must reach Kafka with the device's identity header; after the
 * README's revocation commands the device's certificate fails the handshake.
 *
 * Substitutions, the only ones a shared test machine needs: `/etc/gateway` → a scratch directory,
 * which is also the commands' working directory (where the user runs openssl and keeps
 * `server-ca.pem`); `https://gateway:8443` → the listener's address (`https://127.0.0.1:<port>`),
 * `https://:8443` → `https://127.0.0.1:0`, `localhost:8083` → the test's REST address; the JWKS
 * URL → a real local JWKS server over http on 127.0.0.1 (the issuer stays
 * `https://idp.example.com/`, a name in the token); the topic `telemetry` → a unique topic. The
 * user's own files are made by the test: the server's `server.p12` and `server-ca.pem` (openssl),
 * `secrets.properties` with the key store password, and `$TOKEN` (a JWT for `pump-18` signed by the
 * JWKS's key). Worker keys the README leaves out are the test's: bootstrap.servers, listeners, data.dir, and a 200 ms
 * `ingest.listeners.https.ssl.reload.interval.ms` so the new CRL is read without a 10 s wait. The
 * token device's listener needs `client.auth=requested` (the README says so): the gateway is
 * restarted with that one value changed. For the refusals, the README's device commands make a
 * second device, `valve-3` (not in the ACL's `mtls:pump-*`), by that one name, and `$TOKEN` is forged.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { openssl } from "./support/command.ts";
import { type Gateway, startGateway } from "./support/gateway.ts";
import { kafkaBroker, readAll, readTopic, uniqueTopic } from "./support/kafka.ts";
import {
  type CommandResult,
  curlHome,
  parseProperties,
  type ReadmeCommand,
  readmeBlock,
  readmeCommands,
  runReadmeCommand,
  shownAnswer,
  substitute,
} from "./support/readme.ts";
import { type TempDir, tempDir } from "./support/temp-dir.ts";
import { makeTls } from "./support/tls.ts";
import { waitFor } from "./support/wait-for.ts";

const SECTION = "## Device ingest security and the spool";
const topic = uniqueTopic("telemetry");
let dir: TempDir;
let etc: string;
let home: string;
let gw: Gateway | undefined;
let ingestUrl: string;
let jwks: ReturnType<typeof Bun.serve>;
let token: string;
let kafkaBootstrap: string;

function substitutions(): [string, string][] {
  return [
    ["/etc/gateway", etc],
    ["https://gateway:8443", ingestUrl],
    ["localhost:8083", gw ? new URL(gw.url).host : "gateway-not-started"],
    ["https://idp.example.com/.well-known/jwks.json", `http://127.0.0.1:${jwks.port}/.well-known/jwks.json`],
    ['"kafka.topic":"telemetry"', `"kafka.topic":"${topic}"`],
    ['"topic":"telemetry"', `"topic":"${topic}"`],
  ];
}

/** The commands of the block at `marker` under `heading`, containing each text of `replaced`. */
function blockCommands(marker: string, replaced: readonly string[], heading = SECTION) {
  return readmeCommands(heading, { marker, replaced });
}

/** Runs a command with this machine's substitutions; unless `anyExit`, it must exit 0. */
async function run(
  command: ReadmeCommand,
  anyExit = false,
  replace: readonly (readonly [string, string])[] = [],
  env: Record<string, string> = { TOKEN: token },
): Promise<CommandResult> {
  let text = command.text;
  for (const [from, to] of [...substitutions(), ...replace]) text = text.replaceAll(from, to);
  const result = await runReadmeCommand(text, { cwd: etc, curlHome: home, env });
  if (!anyExit) {
    expect({ command: text, code: result.code, stderr: result.stderr }).toMatchObject({ command: text, code: 0 });
  }
  return result;
}

/** The worker file of the README's properties block, with this machine's keys. */
async function startFromReadme(clientAuth?: string): Promise<void> {
  let properties = substitute(readmeBlock(SECTION, { marker: "```properties" }), [
    ["/etc/gateway", etc],
    ["https://:8443", "https://127.0.0.1:0"],
  ]);
  if (clientAuth) properties = substitute(properties, [["client.auth=required", `client.auth=${clientAuth}`]]);
  await gw?.stop();
  gw = await startGateway({
    dir: dir.path,
    worker: {
      ...parseProperties(properties),
      "bootstrap.servers": kafkaBootstrap,
      listeners: "http://127.0.0.1:0",
      "data.dir": dir.file("data"),
      "ingest.listeners.https.ssl.reload.interval.ms": "200",
    },
  });
  ingestUrl = (await gw.waitForOutput(/Ingest listener open at (https:\/\/[^\s]+?)\/?\s/))[1]!;
}

beforeAll(async () => {
  kafkaBootstrap = (await kafkaBroker()).bootstrap;
  dir = await tempDir("readme-ingest-security-");
  etc = dir.file("etc-gateway");
  mkdirSync(etc);
  home = curlHome(dir.file("curl-home"));

  // The user's server key store (PKCS12), its CA, and the file with the store's password.
  mkdirSync(dir.file("server-tls"));
  const server = await makeTls(dir.file("server-tls"));
  copyFileSync(server.serverP12, `${etc}/server.p12`);
  copyFileSync(server.caCert, `${etc}/server-ca.pem`);
  writeFileSync(`${etc}/secrets.properties`, `keystore.password=${server.password}\n`);

  const keys = await generateKeyPair("ES256", { extractable: true });
  const jwk = { ...(await exportJWK(keys.publicKey)), kid: "idp-1", alg: "ES256" };
  jwks = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (req) =>
      new URL(req.url).pathname === "/.well-known/jwks.json"
        ? Response.json({ keys: [jwk] })
        : new Response("not found", { status: 404 }),
  });
  token = await new SignJWT({ sub: "pump-18" })
    .setProtectedHeader({ alg: "ES256", kid: "idp-1" })
    .setIssuer("https://idp.example.com/")
    .setAudience("edge-gateway")
    .setExpirationTime("10m")
    .sign(keys.privateKey);
});

afterAll(async () => {
  await gw?.stop();
  await jwks?.stop(true);
  await dir?.[Symbol.asyncDispose]();
});

describe("README: device ingest security", () => {
  test("the openssl commands make the device CA and a device certificate", async () => {
    const commands = await blockCommands("A device CA and a device certificate with openssl", []);
    expect(commands.length).toBe(7);
    // All but the last (the revocation, below).
    for (const command of commands.slice(0, -1)) await run(command);
    expect(await openssl(etc, "crl", "-in", "device-ca.crl", "-noout", "-text")).toContain("No Revoked Certificates");
    const subject = await openssl(
      etc,
      "x509",
      "-in",
      "pump-17.pem",
      "-noout",
      "-subject",
      "-issuer",
      "-ext",
      "subjectAltName",
    );
    expect(subject).toContain("subject=CN = pump-17");
    expect(subject).toContain("issuer=CN = Fleet device CA");
    expect(subject).toContain("DNS:pump-17.fleet.example");
  });

  test("mTLS: the worker properties as written, and the device's curl", async () => {
    await startFromReadme();
    const [create] = await blockCommands(
      "```bash",
      ["localhost:8083", '"kafka.topic":"telemetry"'],
      "## Device ingest",
    );
    await run(create!);
    await waitFor(
      async () => (await gw!.rest.get<any>("/connectors/telemetry/status")).body.tasks?.[0]?.state === "RUNNING",
      {
        what: "the telemetry connector's task RUNNING",
      },
    );
    const [device] = await blockCommands("curl --cacert server-ca.pem --cert pump-17.pem", ["https://gateway:8443"]);
    const answer = await run(device!);
    expect(answer.statuses).toEqual([200]);
    expect(answer.output).toMatch(
      shownAnswer(`{"topic":"${topic}","offsets":[{"partition":0,"offset":0,"timestamp":0}]}`),
    );
  });

  test("JWT: the connector with mtls,jwt, the token device's curl, the certificate's identity, refusals", async () => {
    const [configure, tokenDevice] = await blockCommands("curl -X PUT localhost:8083/connectors/telemetry/config", [
      "localhost:8083",
      "https://idp.example.com/.well-known/jwks.json",
      "https://gateway:8443",
      '"kafka.topic":"telemetry"',
    ]);
    const configured = await run(configure!);
    expect(configured.statuses).toEqual([200]);
    await startFromReadme("requested");
    await waitFor(
      async () => (await gw!.rest.get<any>("/connectors/telemetry/status")).body.tasks?.[0]?.state === "RUNNING",
      {
        what: "the telemetry connector's task RUNNING",
      },
    );
    const byToken = await run(tokenDevice!);
    expect({ status: byToken.statuses, output: byToken.output }).toEqual({
      status: [200],
      output: expect.stringContaining(`"topic":"${topic}"`),
    });
    const [device] = await blockCommands("curl --cacert server-ca.pem --cert pump-17.pem", ["https://gateway:8443"]);
    expect((await run(device!)).statuses).toEqual([200]);

    // Refusals: a token that does not verify is 401, a device of the CA that the ACL (mtls:pump-*) does
    // not name is 403, both in REST Proxy's shape; neither writes anything.
    const forged = await run(tokenDevice!, false, [], { TOKEN: `${token.slice(0, -4)}AAAA` });
    expect({ status: forged.statuses, code: JSON.parse(forged.output).error_code }).toEqual({
      status: [401],
      code: 40101,
    });
    const openssl = await blockCommands("A device CA and a device certificate with openssl", []);
    const deviceCommands = openssl.filter((c) => c.text.includes("pump-17") && !c.text.includes("-revoke"));
    expect(deviceCommands.length).toBe(2);
    for (const command of deviceCommands) await run(command, false, [["pump-17", "valve-3"]]);
    const valve = await run(device!, false, [["pump-17", "valve-3"]]);
    expect({ status: valve.statuses, code: JSON.parse(valve.output).error_code }).toEqual({
      status: [403],
      code: 40301,
    });

    const records = await readTopic(topic, 3);
    expect(
      records.map((r) => ({ value: r.value?.toString(), identity: r.headers["ingest.identity"]?.toString() })),
    ).toEqual([
      // Before authentication was configured: anonymous, no identity header.
      { value: '{"pressure":4.2}', identity: undefined },
      // mtls and jwt: the identity is qualified with its method (a token's sub could be a CN).
      { value: '{"pressure":4.2}', identity: "jwt:pump-18" },
      { value: '{"pressure":4.2}', identity: "mtls:pump-17" },
    ]);
    expect((await readAll(topic)).length).toBe(3);
  });

  test("revoking the device: its certificate fails the handshake once the CRL is read", async () => {
    const commands = await blockCommands("A device CA and a device certificate with openssl", []);
    const revoke = commands[commands.length - 1]!;
    expect(revoke.text).toContain("-revoke pump-17.pem");
    const before = readFileSync(`${etc}/device-ca.crl`, "utf8");
    await run(revoke);
    expect(readFileSync(`${etc}/device-ca.crl`, "utf8")).not.toBe(before);
    const [device] = await blockCommands("curl --cacert server-ca.pem --cert pump-17.pem", ["https://gateway:8443"]);
    // The listener counts the refusal once its handshake has failed, which may be just after curl
    // has the alert and exits (a loaded machine showed the counter not there yet). curl failing is not
    // enough on its own: a connection refused while the listener takes up the new CRL fails it too
    // (ci74), so the device tries again until the refusal counted is the revocation.
    const revoked = /ingest_tls_handshake_failures_total\{listener="https:[^"]+",reason="CERT_REVOKED"\} [1-9]/;
    const metrics = await waitFor(
      async () => {
        if ((await run(device!, true)).code === 0) return false;
        const text = await (await fetch(`${gw!.url}/metrics`)).text();
        return revoked.test(text) && text;
      },
      { what: "the revoked certificate refused, its CERT_REVOKED handshake failure counted" },
    ).catch(async () => (await fetch(`${gw!.url}/metrics`)).text());
    expect(metrics).toMatch(revoked);
  });
});
