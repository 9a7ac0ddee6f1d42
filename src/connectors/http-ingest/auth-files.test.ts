/**
 * Task authval: the files the ingest.auth.* keys name are read at PUT …/config/validate and POST
 * /connectors as the connector's start reads them, so a file the start refuses is Connect's error on
 * its key (and a 400 on create), not a connector created and then FAILED; no message quotes the file.
 * A private key where the verifier's public key belongs is refused there too, and a stored config
 * holding one starts as before with a WARN.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { ingestAuthConfigDef, ingestAuthenticatorFrom } from "../../ingest/auth/ingest-auth-config.ts";
import { capturingLogger, fastHash, type TempFiles, tempFiles } from "../../rest/auth/test-support.ts";
import { inProcessWorker } from "../../runtime/herder-test-support.ts";
import { warnValidationOnlyProblems } from "../../runtime/stored-config-warnings.ts";
import { HTTP_INGEST_CONNECTOR } from "./config.ts";
import { httpIngestSource } from "./index.ts";

const base = { "connector.class": HTTP_INGEST_CONNECTOR, "ingest.path": "/p", "kafka.topic": "t" };
const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
const PUBLIC_PEM = publicKey.export({ type: "spki", format: "pem" }).toString();
const PRIVATE_PEM = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
// A line no file check may quote back.
const SECRET_LINE = "SECRET-USER-sk_live_abc123:SECRET-PLAINTEXT-PASSWORD";

let files: TempFiles;
const paths: Record<string, string> = {};
beforeAll(async () => {
  files = await tempFiles();
  paths.public = await files.write("public.pem", PUBLIC_PEM);
  paths.private = await files.write("private.pem", PRIVATE_PEM);
  paths.garbage = await files.write(
    "garbage.pem",
    "-----BEGIN PUBLIC KEY-----\nSECRET-NOT-A-KEY\n-----END PUBLIC KEY-----\n",
  );
  paths.plaintext = await files.write("plaintext.txt", `${SECRET_LINE}\n`);
  paths.hashed = await files.write("hashed.txt", `device-7:${await fastHash.bcrypt("pw")}\n`);
  paths.missing = files.path("missing.pem");
  const hash = await fastHash.bcrypt("pw");
  paths.twice = await files.write("twice.txt", `SECRET-USER:${hash}\nSECRET-USER:${hash}\n`);
  paths.weak = await files.write(
    "weak.txt",
    `SECRET-USER:${await Bun.password.hash("pw", { algorithm: "bcrypt", cost: 4 })}\n`,
  );
  // A FIFO with no writer: a blocking read would freeze the gateway; the call must return.
  paths.fifo = files.path("fifo");
  expect(spawnSync("mkfifo", [paths.fifo]).status).toBe(0);
  paths.big = await files.write("big.pem", `${PUBLIC_PEM}\n${"#".repeat(1024 * 1024)}\n`);
});
afterAll(() => files[Symbol.asyncDispose]());

const jwt = (location: string) => ({ "ingest.auth.methods": "jwt", "ingest.auth.jwt.public.key.location": location });
const basic = (file: string) => ({ "ingest.auth.methods": "basic", "ingest.auth.basic.credentials.file": file });

describe("config/validate and POST /connectors read the ingest auth files", () => {
  test.each([
    ["an unreadable public key file", () => jwt(paths.missing!), "ingest.auth.jwt.public.key.location", "cannot read"],
    [
      "a file holding no key",
      () => jwt(paths.garbage!),
      "ingest.auth.jwt.public.key.location",
      "not a usable public key",
    ],
    ["a private key", () => jwt(paths.private!), "ingest.auth.jwt.public.key.location", "holds a private key"],
    [
      "plaintext passwords",
      () => basic(paths.plaintext!),
      "ingest.auth.basic.credentials.file",
      "line 1: the password is not an argon2 or bcrypt hash; plaintext passwords are not accepted",
    ],
    [
      "a user listed twice",
      () => basic(paths.twice!),
      "ingest.auth.basic.credentials.file",
      "line 2: its user is listed more than once",
    ],
    [
      "a weak hash",
      () => basic(paths.weak!),
      "ingest.auth.basic.credentials.file",
      "line 1: the password hash is too weak: its bcrypt cost 4 is below 10",
    ],
    [
      "a FIFO as the public key file",
      () => jwt(paths.fifo!),
      "ingest.auth.jwt.public.key.location",
      "not a regular file",
    ],
    [
      "a FIFO as the credentials file",
      () => basic(paths.fifo!),
      "ingest.auth.basic.credentials.file",
      "not a regular file",
    ],
    [
      "/dev/zero as the public key file",
      () => jwt("/dev/zero"),
      "ingest.auth.jwt.public.key.location",
      "not a regular file",
    ],
    ["a public key file over 1 MiB", () => jwt(paths.big!), "ingest.auth.jwt.public.key.location", "larger than 1 MiB"],
    [
      "a credentials file over 1 MiB",
      () => basic(paths.big!),
      "ingest.auth.basic.credentials.file",
      "larger than 1 MiB",
    ],
    [
      "an unreadable credentials file",
      () => basic(paths.missing!),
      "ingest.auth.basic.credentials.file",
      "cannot read",
    ],
  ])("%s: an error on its key, create answers 400, nothing of the file quoted", async (_, auth, key, reason) => {
    await using w = await inProcessWorker({ plugins: [httpIngestSource()] });
    const config = { ...base, ...auth(), name: "in" };
    const validated = await w.rest("PUT", `/connector-plugins/${HTTP_INGEST_CONNECTOR}/config/validate`, config);
    expect(validated.status).toBe(200);
    expect(validated.body.error_count).toBe(1);
    const errors = validated.body.configs.find((c: { value: { name: string } }) => c.value.name === key).value.errors;
    expect(errors).toEqual([expect.stringContaining(reason)]);
    const created = await w.rest("POST", "/connectors", { name: "in", config });
    expect(created.status).toBe(400);
    expect(created.body.message).toContain(reason);
    const said = JSON.stringify([validated.body, created.body]);
    for (const secret of ["SECRET", "PRIVATE KEY-----", PRIVATE_PEM.split("\n")[1]!])
      expect(said).not.toContain(secret);
  });

  test.each([
    ["a public key", () => jwt(paths.public!)],
    ["argon2 or bcrypt hashes", () => basic(paths.hashed!)],
  ])("%s: no error, create answers 201", async (_, auth) => {
    await using w = await inProcessWorker({ plugins: [httpIngestSource()] });
    const config = { ...base, ...auth(), name: "in" };
    const validated = await w.rest("PUT", `/connector-plugins/${HTTP_INGEST_CONNECTOR}/config/validate`, config);
    expect(validated.body.error_count).toBe(0);
    expect((await w.rest("POST", "/connectors", { name: "in", config })).status).toBe(201);
  });

  test("a file of a method ingest.auth.methods does not list is not read, as at start", async () => {
    await using w = await inProcessWorker({ plugins: [httpIngestSource()] });
    const config = {
      ...base,
      "ingest.auth.methods": "mtls",
      "ingest.auth.jwt.public.key.location": paths.missing!,
      "ingest.auth.basic.credentials.file": paths.plaintext!,
      name: "in",
    };
    const validated = await w.rest("PUT", `/connector-plugins/${HTTP_INGEST_CONNECTOR}/config/validate`, config);
    expect(validated.body.error_count).toBe(0);
  });
});

test("a stored config with a private key starts as before (tokens verify with its public key), with one WARN", () => {
  const config = { ...base, ...jwt(paths.private!) };
  const { logger, lines } = capturingLogger();
  warnValidationOnlyProblems(httpIngestSource(), "in", config, logger);
  const warnings = lines.filter((l) => l.includes(" WARN "));
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toContain(
    "Connector in: ingest.auth.jwt.public.key.location verifies tokens with the public key derived from the private key, as before, though validation now refuses it",
  );
  expect(warnings[0]).not.toContain("PRIVATE KEY-----");
  expect(() =>
    ingestAuthenticatorFrom(ingestAuthConfigDef.parse(config), { mtlsIdentity: "cn", logger, connector: "in" }),
  ).not.toThrow();
});

test("the start refuses a FIFO or an oversize file on its key too, at once", () => {
  const { logger } = capturingLogger();
  for (const [auth, key, reason] of [
    [jwt(paths.fifo!), "ingest.auth.jwt.public.key.location", "not a regular file"],
    [basic(paths.fifo!), "ingest.auth.basic.credentials.file", "not a regular file"],
    [jwt(paths.big!), "ingest.auth.jwt.public.key.location", "larger than 1 MiB"],
    [basic(paths.big!), "ingest.auth.basic.credentials.file", "larger than 1 MiB"],
    [basic(paths.plaintext!), "ingest.auth.basic.credentials.file", "line 1: the password is not an argon2"],
    [basic(paths.twice!), "ingest.auth.basic.credentials.file", "line 2: its user is listed more than once"],
  ] as const) {
    expect(() =>
      ingestAuthenticatorFrom(ingestAuthConfigDef.parse(auth), { mtlsIdentity: "cn", logger, connector: "in" }),
    ).toThrow(new RegExp(`${key.replaceAll(".", "\\.")}.*${reason}`));
  }
});
