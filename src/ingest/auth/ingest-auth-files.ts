/**
 * The files the HttpIngestSource authentication keys name, read at PUT …/config/validate and POST
 * /connectors as they are at connector start (ingestAuthenticatorFrom), so a file the start would refuse
 * is a problem on its own key there, not a connector created and then FAILED (task authval). Like the
 * HTTP sink's PEM checks (config-checks.ts), a message names the file and why, never its contents:
 * a credentials-file problem gives line numbers, not even a user name (the path may name any file the
 * gateway can read). Every read is bounded (util/bounded-file.ts): a FIFO, a device or a file over
 * 1 MiB is refused, never read, so a config/validate call cannot freeze the gateway or grow its memory.
 *
 * `ingestAuthFileProblems`: `ingest.auth.jwt.public.key.location` unreadable or not a key, and
 * `ingest.auth.basic.credentials.file` unreadable, malformed or holding a hash too weak (plaintext).
 * Only for a method `ingest.auth.methods` lists, as the start reads only those.
 *
 * `privateVerifierKeyProblems` (validation only, a WARN at start: a stored config runs as before): a
 * PRIVATE key at `ingest.auth.jwt.public.key.location`. Node derives its public key, so tokens verify,
 * but the signing key then sits on every edge device that verifies: whoever reads it can mint tokens.
 */
import { createPrivateKey, type KeyObject } from "node:crypto";
import { ConfigError } from "../../errors.ts";
import type { ConfigProblem } from "../../plugin/descriptor.ts";
import { loadCredentialsFile } from "../../rest/auth/basic-auth.ts";
import { readBoundedFile, SMALL_FILE_MAX_BYTES } from "../../util/bounded-file.ts";
import type { IngestAuthConfig } from "./ingest-auth-config.ts";
import { staticKey } from "./jwt-authenticator.ts";

const PUBLIC_KEY = "ingest.auth.jwt.public.key.location";
const CREDENTIALS = "ingest.auth.basic.credentials.file";

export type PublicKeyRead = { pem: string } | { problem: string };

/**
 * The public key file's text, or the reason it cannot be read (the path and the reason only: the
 * system's, "not a regular file" or "larger than 1 MiB", util/bounded-file.ts).
 */
export function readPublicKeyFile(path: string): PublicKeyRead {
  try {
    return { pem: readBoundedFile(path, SMALL_FILE_MAX_BYTES).toString("utf8") };
  } catch (error) {
    return { problem: `cannot read ${path}: ${(error as Error).message}` };
  }
}

/** The key the verifier would use, or why the file holds none (crypto's reason: it quotes no key material). */
export function publicKeyProblem(pem: string): string | undefined {
  try {
    staticKey(pem);
    return undefined;
  } catch (error) {
    return `not a usable public key: ${(error as Error).message}`;
  }
}

/**
 * The public key file the start reads: jwt among the methods and the key set; with a JWKS URL too,
 * validateIngestAuth refuses the pair and the file is not read, as at start.
 */
function verifierKeyPath(config: IngestAuthConfig): string | undefined {
  const path = config[PUBLIC_KEY];
  return config["ingest.auth.methods"].includes("jwt") && path && !config["ingest.auth.jwt.jwks.url"]
    ? path
    : undefined;
}

/**
 * Problems of the auth files the start would refuse (descriptor `validate`). A credentials-file
 * problem gives line numbers only: the path may name any file the gateway can read.
 */
export function ingestAuthFileProblems(config: IngestAuthConfig): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const pemPath = verifierKeyPath(config);
  if (pemPath !== undefined) {
    const read = readPublicKeyFile(pemPath);
    const problem = "problem" in read ? read.problem : publicKeyProblem(read.pem);
    if (problem !== undefined) out.push({ key: PUBLIC_KEY, message: problem });
  }
  const credentials = config[CREDENTIALS];
  if (config["ingest.auth.methods"].includes("basic") && credentials) {
    try {
      loadCredentialsFile(credentials, { quoteUsers: false });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      out.push({ key: CREDENTIALS, message: error.message });
    }
  }
  return out;
}

/** A private key where the verifier's public key belongs (descriptor `validationOnly`). */
export function privateVerifierKeyProblems(config: IngestAuthConfig): ConfigProblem[] {
  const pemPath = verifierKeyPath(config);
  if (pemPath === undefined) return [];
  const read = readPublicKeyFile(pemPath);
  if ("problem" in read || !isPrivateKey(read.pem)) return [];
  return [
    {
      key: PUBLIC_KEY,
      message: `${pemPath} holds a private key: tokens verify with the public key derived from it, but whoever reads the file on this device can sign tokens; give the public key alone (openssl pkey -in private.pem -pubout) and keep the private key with the token issuer`,
      runsAs: "verifies tokens with the public key derived from the private key, as before",
    },
  ];
}

function isPrivateKey(pem: string): boolean {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    return false;
  }
  return key.type === "private";
}
