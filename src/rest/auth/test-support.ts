/**
 * Test support for REST authentication: a real JWKS HTTP server on port 0 whose keys can be
 * rotated and whose requests are counted, tokens signed with its keys, credentials files in a
 * temporary directory, and a logger whose lines a test can read.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from "jose";
import { type Logger, LogManager } from "../../util/logger.ts";

export const ISSUER = "https://idp.example.test/realms/edge";
export const AUDIENCE = "edge-gateway";

interface SigningKey {
  readonly kid: string;
  readonly alg: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

export interface JwksServer extends AsyncDisposable {
  readonly url: URL;
  /** JWKS requests served so far. */
  readonly requests: number;
  /** The status the server answers with; 200 serves the keys. */
  status: number;
  /** The Cache-Control header of the JWKS response; null: none. */
  cacheControl: string | null;
  /** While true, requests are counted but never answered (until the server is disposed). */
  stalled: boolean;
  /** Stops publishing `kid` (it can still sign). */
  remove(kid: string): void;
  /** Publishes a new key of `alg` (in addition to the current ones) and returns its kid. */
  addKey(alg?: string): Promise<string>;
  /** Replaces every published key by one new key; returns its kid. Old kids remain usable for signing. */
  rotate(alg?: string): Promise<string>;
  /**
   * A JWT with sub, iss, aud, iat and a 5-minute exp, overridden by `claims`; signed by `kid` (default:
   * newest), named in its header unless `withoutKid`.
   */
  sign(claims?: JWTPayload, options?: { kid?: string; withoutKid?: boolean }): Promise<string>;
}

export async function jwksServer(): Promise<JwksServer> {
  const keys = new Map<string, SigningKey>();
  let published: string[] = [];
  let requests = 0;
  let counter = 0;
  const state = { status: 200, cacheControl: null as string | null, stalled: false };
  const held: (() => void)[] = [];
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch() {
      requests++;
      if (state.stalled) {
        await new Promise<void>((resolve) => held.push(resolve));
        return new Response("stopped", { status: 503 });
      }
      if (state.status !== 200) return new Response("unavailable", { status: state.status });
      const headers = state.cacheControl === null ? undefined : { "Cache-Control": state.cacheControl };
      return Response.json({ keys: published.map((kid) => keys.get(kid)!.publicJwk) }, { headers });
    },
  });

  async function newKey(alg: string): Promise<string> {
    const kid = `key-${++counter}`;
    const { privateKey, publicKey } = await generateKeyPair(alg);
    keys.set(kid, { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } });
    return kid;
  }

  return {
    url: new URL(`http://127.0.0.1:${server.port}/realms/edge/protocol/openid-connect/certs`),
    get requests() {
      return requests;
    },
    get status() {
      return state.status;
    },
    set status(value: number) {
      state.status = value;
    },
    get cacheControl() {
      return state.cacheControl;
    },
    set cacheControl(value: string | null) {
      state.cacheControl = value;
    },
    get stalled() {
      return state.stalled;
    },
    set stalled(value: boolean) {
      state.stalled = value;
    },
    remove(kid: string) {
      published = published.filter((k) => k !== kid);
    },
    async addKey(alg = "RS256") {
      const kid = await newKey(alg);
      published = [...published, kid];
      return kid;
    },
    async rotate(alg = "RS256") {
      const kid = await newKey(alg);
      published = [kid];
      return kid;
    },
    async sign(claims = {}, options = {}) {
      const kid = options.kid ?? [...keys.keys()].at(-1)!;
      const key = keys.get(kid)!;
      const now = Math.floor(Date.now() / 1000);
      const header = options.withoutKid ? { alg: key.alg, typ: "JWT" } : { alg: key.alg, kid, typ: "JWT" };
      return new SignJWT({ sub: "alice", iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 300, ...claims })
        .setProtectedHeader(header)
        .sign(key.privateKey);
    },
    [Symbol.asyncDispose]: () => {
      for (const release of held.splice(0)) release();
      return server.stop(true);
    },
  };
}

export interface TempFiles extends AsyncDisposable {
  /** Writes `text` to a new file in the directory and returns its path. */
  write(name: string, text: string): Promise<string>;
  path(name: string): string;
}

export async function tempFiles(): Promise<TempFiles> {
  const dir = await mkdtemp(join(tmpdir(), "rest-auth-test-"));
  return {
    async write(name, text) {
      await writeFile(join(dir, name), text);
      return join(dir, name);
    },
    path: (name) => join(dir, name),
    [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }),
  };
}

const hashes = new Map<string, Promise<string>>();

/** One hash per password and algorithm for the whole test run (hashing is the slow part). */
function memoized(key: string, make: () => Promise<string>): Promise<string> {
  let hash = hashes.get(key);
  if (hash === undefined) {
    hash = make();
    hashes.set(key, hash);
  }
  return hash;
}

/** The cheapest hashes the gateway accepts (OWASP's minimums), made once per password. */
export const fastHash = {
  argon2id: (password: string) =>
    memoized(`argon2id:${password}`, () =>
      Bun.password.hash(password, { algorithm: "argon2id", memoryCost: 19456, timeCost: 2 }),
    ),
  bcrypt: (password: string) =>
    memoized(`bcrypt:${password}`, () => Bun.password.hash(password, { algorithm: "bcrypt", cost: 10 })),
};

/** Hashes below the minimums, for tests of their refusal. */
export const weakHash = {
  argon2id: (password: string) => Bun.password.hash(password, { algorithm: "argon2id", memoryCost: 256, timeCost: 1 }),
  argon2d: (password: string) => Bun.password.hash(password, { algorithm: "argon2d", memoryCost: 65536, timeCost: 2 }),
  bcrypt: (password: string) => Bun.password.hash(password, { algorithm: "bcrypt", cost: 4 }),
};

/** A logger at TRACE whose lines are collected in `lines`. */
export function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const manager = new LogManager({ rootLevel: "TRACE", sink: (line) => lines.push(line) });
  return { logger: manager.get("test.rest.auth"), lines };
}
