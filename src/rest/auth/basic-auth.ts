/**
 * HTTP Basic authentication (RFC 7617) for the REST API: the credentials file, the `Basic`
 * credentials of an Authorization header, and password verification. `auth-config.ts` loads the
 * file at startup; `auth-middleware.ts` reads the credentials (http/basic-credentials.ts) and calls `authenticate` per request.
 *
 * The file holds `user:hash` lines (`#` starts a comment) with hashes made by `Bun.password.hash`:
 * argon2 (`$argon2id$…`) or bcrypt (`$2b$…`, `$2a$`/`$2y$` from htpasswd -B work too; a bcrypt
 * password over 72 bytes verifies as standard tools truncate it, see password-verify.ts). Anything
 * else, a plaintext password above all, is refused at load; the message names the line and the
 * user (the line alone for a file a REST caller names: `CredentialsMessages`), never the value.
 *
 * Timing (no user enumeration): the entries' hashes fall into classes (algorithm and cost), and
 * every attempt runs exactly one verify per class, in the same order: against the user's own hash
 * for the user's class, against a dummy hash of that class (a random password nobody knows) for
 * every other class. An unknown user, a wrong password for an argon2 user and one for a bcrypt user
 * all cost the same work, whatever the file mixes.
 *
 * Strength: `loadCredentialsFile` refuses hashes cheaper than OWASP's minimums (argon2id/argon2i
 * with memory and iterations from OWASP's table, e.g. 19 MiB and 2 iterations; bcrypt cost 10;
 * argon2d not at all), naming the line and user. `gateway hash-password` makes hashes that pass.
 *
 * Cache: argon2id at Bun's defaults costs ~150 ms of CPU per verify, which a client sending a
 * request per second would pay every time. Successful (user, password) pairs are remembered for
 * `cacheTtlMs` under an HMAC-SHA256 of the pair keyed by a random per-process secret, so the cache
 * holds nothing that could be attacked offline. Failures are not cached: that would let a
 * guesser fill the cache; concurrent identical requests share one verify instead.
 */
import { createHmac, randomBytes } from "node:crypto";
import { ConfigError, messageOf } from "../../errors.ts";
import { readBoundedFile, SMALL_FILE_MAX_BYTES } from "../../util/bounded-file.ts";
import { type Clock, monotonicNow, systemClock } from "../../util/clock.ts";
import type { Logger } from "../../util/logger.ts";
import { verifyPassword as standardVerify } from "./password-verify.ts";

/** user → password hash, in file order. */
export type Credentials = ReadonlyMap<string, string>;

const ARGON2 = /^\$(argon2id|argon2i|argon2d)\$v=\d+\$m=(\d+),t=(\d+),p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;
const BCRYPT = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;

/**
 * How a message names a bad entry: the line and the user (the operator's own REST credentials file),
 * or the line alone (a file a REST caller names, e.g. at config/validate: the path may be any file the
 * gateway can read, /etc/passwd or a .env, and a "user" would quote its text back).
 */
export interface CredentialsMessages {
  readonly quoteUsers: boolean;
}

const QUOTE_USERS: CredentialsMessages = { quoteUsers: true };

/** Parses a credentials file's text; throws a ConfigError naming the first bad line. */
export function parseCredentials(text: string, messages: CredentialsMessages = QUOTE_USERS): Credentials {
  return new Map(parseEntries(text, messages).map(({ user, hash }) => [user, hash]));
}

interface Entry {
  readonly user: string;
  readonly hash: string;
  readonly line: number;
}

function parseEntries(text: string, { quoteUsers }: CredentialsMessages): Entry[] {
  const entries = new Map<string, Entry>();
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const at = `line ${index + 1}`;
    const colon = line.indexOf(":");
    if (colon <= 0) throw new ConfigError(`${at}: expected user:hash`);
    const user = line.slice(0, colon).trim();
    const hash = line.slice(colon + 1).trim();
    if (user === "") throw new ConfigError(`${at}: expected user:hash`);
    const ofUser = quoteUsers ? ` of user "${user}"` : "";
    if (entries.has(user)) {
      throw new ConfigError(
        quoteUsers ? `${at}: user "${user}" is listed more than once` : `${at}: its user is listed more than once`,
      );
    }
    if (!ARGON2.test(hash) && !BCRYPT.test(hash)) {
      throw new ConfigError(
        `${at}: the password${ofUser} is not an argon2 or bcrypt hash; plaintext passwords are not accepted (make one with gateway hash-password)`,
      );
    }
    entries.set(user, { user, hash, line: index + 1 });
  });
  if (entries.size === 0) throw new ConfigError("the file holds no credentials (expected user:hash lines)");
  return [...entries.values()];
}

/** OWASP's argon2 minimums: any row (memory KiB, iterations) that a hash meets or exceeds. */
const ARGON2_MINIMUMS: readonly [number, number][] = [
  [47104, 1],
  [19456, 2],
  [12288, 3],
  [9216, 4],
  [7168, 5],
];
export const BCRYPT_MINIMUM_COST = 10;

/** Why a hash is too cheap to protect a password, or undefined when it is strong enough. */
export function weakHashReason(hash: string): string | undefined {
  const argon2 = ARGON2.exec(hash);
  if (argon2) {
    const [, variant, m, t] = argon2;
    if (variant === "argon2d") return "argon2d is open to side-channel attacks; use argon2id";
    const memory = Number(m);
    const iterations = Number(t);
    if (ARGON2_MINIMUMS.some(([minM, minT]) => memory >= minM && iterations >= minT)) return undefined;
    return `its argon2 cost (m=${memory}, t=${iterations}) is below OWASP's minimum (e.g. m=19456 with t=2, or m=47104 with t=1)`;
  }
  const cost = Number(BCRYPT.exec(hash)?.[1]);
  return cost < BCRYPT_MINIMUM_COST ? `its bcrypt cost ${cost} is below ${BCRYPT_MINIMUM_COST}` : undefined;
}

/**
 * Reads (bounded: util/bounded-file.ts) and parses a credentials file and checks every hash's
 * strength; throws a ConfigError when it is unreadable, invalid or holds a weak hash.
 */
export function loadCredentialsFile(path: string, messages: CredentialsMessages = QUOTE_USERS): Credentials {
  let text: string;
  try {
    text = readBoundedFile(path, SMALL_FILE_MAX_BYTES).toString("utf8");
  } catch (error) {
    throw new ConfigError(`cannot read the file: ${messageOf(error)}`);
  }
  const entries = parseEntries(text, messages);
  for (const { user, hash, line } of entries) {
    const reason = weakHashReason(hash);
    if (reason !== undefined) {
      const which = messages.quoteUsers ? `the password hash of user "${user}"` : `line ${line}: the password hash`;
      throw new ConfigError(`${which} is too weak: ${reason} (make a new one with gateway hash-password)`);
    }
  }
  return new Map(entries.map((entry) => [entry.user, entry.hash]));
}

export interface BasicAuthenticatorOptions {
  readonly credentials: Credentials;
  /** How long a verified (user, password) pair is trusted without a new verify; 0 disables the cache. */
  readonly cacheTtlMs?: number;
  readonly cacheMaxEntries?: number;
  readonly clock?: Clock;
  /** The password check; password-verify.ts unless a test wraps it to count calls. */
  readonly verifyPassword?: (password: string, hash: string) => Promise<boolean>;
  /** Gets a TRACE line per attempt naming the hash classes verified (never a user or hash). */
  readonly logger?: Logger;
}

export interface BasicAuthenticator {
  /** True when `password` is the user's; unknown users and wrong passwords are both false. */
  authenticate(user: string, password: string): Promise<boolean>;
  /** Whether the file lists `user` (for log lines only: responses must not differ). */
  hasUser(user: string): boolean;
  /** True when `authenticate` would answer true from its success cache, without a verify. */
  isCached(user: string, password: string): boolean;
}

export const DEFAULT_CACHE_TTL_MS = 60_000;
export const DEFAULT_CACHE_MAX_ENTRIES = 1_000;
/** Default of rest.authentication.basic.max.concurrent.verifications and ingest.auth.basic.max.concurrent.verifications. */
export const DEFAULT_MAX_CONCURRENT_VERIFICATIONS = 4;
/** Seconds a client waits after a 503 because every verification slot was busy (REST API and ingest). */
export const VERIFICATIONS_BUSY_RETRY_AFTER_SECONDS = 1;
/** The message of that 503 (REST API and ingest). */
export const VERIFICATIONS_BUSY_MESSAGE = "Too many password verifications in progress; try again later";

/** The class of a hash: algorithm and cost, the parts that decide how long a verify takes. */
export function hashClass(hash: string): string {
  const argon2 = ARGON2.exec(hash);
  if (argon2) return `${argon2[1]}$m=${argon2[2]},t=${argon2[3]}`;
  return `bcrypt$${BCRYPT.exec(hash)?.[1] ?? "10"}`;
}

/** A hash of the same class as `like`, of a random password nobody knows. */
async function dummyHashLike(like: string): Promise<string> {
  const secret = randomBytes(24).toString("base64");
  const argon2 = ARGON2.exec(like);
  if (argon2) {
    const algorithm = argon2[1] as "argon2id" | "argon2i" | "argon2d";
    return Bun.password.hash(secret, { algorithm, memoryCost: Number(argon2[2]), timeCost: Number(argon2[3]) });
  }
  const cost = Number(BCRYPT.exec(like)?.[1] ?? 10);
  return Bun.password.hash(secret, { algorithm: "bcrypt", cost });
}

export function basicAuthenticator(options: BasicAuthenticatorOptions): BasicAuthenticator {
  const { credentials } = options;
  const ttlMs = options.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS;
  const maxEntries = options.cacheMaxEntries ?? DEFAULT_CACHE_MAX_ENTRIES;
  const clock = options.clock ?? systemClock;
  const verifyPassword = options.verifyPassword ?? standardVerify;
  // One dummy per class, in a fixed order; started now so no attempt pays for making them.
  const dummies = new Map<string, Promise<string | undefined>>();
  for (const hash of credentials.values()) {
    const cls = hashClass(hash);
    if (dummies.has(cls)) continue;
    const dummy = dummyHashLike(hash).catch(() => undefined);
    dummies.set(cls, dummy);
  }
  const cacheSecret = randomBytes(32);
  /**
   * cache key → expiry (monotonic ms: a step of the host's clock neither keeps nor drops entries);
   * Map order is insertion order, so the first key is the oldest.
   */
  const verified = new Map<string, number>();
  const inFlight = new Map<string, Promise<boolean>>();

  const cacheKey = (user: string, password: string) =>
    createHmac("sha256", cacheSecret).update(`${user.length}:${user}:${password}`).digest("base64");

  const safeVerify = (password: string, hash: string) => verifyPassword(password, hash).catch(() => false);

  async function verify(user: string, password: string): Promise<boolean> {
    const own = credentials.get(user);
    const ownClass = own === undefined ? undefined : hashClass(own);
    let ok = false;
    const verified: string[] = [];
    for (const [cls, dummy] of dummies) {
      if (cls === ownClass) {
        ok = await safeVerify(password, own!);
        verified.push(cls);
        continue;
      }
      const decoy = await dummy;
      if (decoy !== undefined) {
        await safeVerify(password, decoy);
        verified.push(cls);
      }
    }
    options.logger?.trace(`Verified a password against ${verified.length} hash classes: ${verified.join(", ")}`);
    return ok;
  }

  function remember(key: string): void {
    if (ttlMs <= 0 || maxEntries <= 0) return;
    verified.delete(key);
    while (verified.size >= maxEntries) verified.delete(verified.keys().next().value as string);
    verified.set(key, monotonicNow(clock) + ttlMs);
  }

  return {
    hasUser: (user) => credentials.has(user),
    isCached(user, password) {
      const expiry = verified.get(cacheKey(user, password));
      return expiry !== undefined && monotonicNow(clock) < expiry;
    },
    async authenticate(user, password) {
      const key = cacheKey(user, password);
      const expiry = verified.get(key);
      if (expiry !== undefined) {
        if (monotonicNow(clock) < expiry) return true;
        verified.delete(key);
      }
      const pending = inFlight.get(key);
      if (pending) return pending;
      const result = verify(user, password)
        .then((ok) => {
          if (ok) remember(key);
          return ok;
        })
        .finally(() => inFlight.delete(key));
      inFlight.set(key, result);
      return result;
    },
  };
}
