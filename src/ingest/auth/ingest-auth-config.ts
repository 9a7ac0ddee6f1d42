/**
 * The HttpIngestSource connector's authentication keys (`ingest.auth.*`), declared once; the
 * connector's config def concatenates them, so validation, REST and docs come from here.
 * `ingestAuthenticatorFrom` checks how they combine and builds the authenticator at connector start.
 *
 * Off by default (`ingest.auth.methods` empty: every request is the anonymous identity), like the
 * REST API; listing methods makes credentials mandatory on the connector's route and topics.
 */
import { ConfigError } from "../../errors.ts";
import { check, defineConfig, key } from "../../plugin/config-def.ts";
import {
  basicAuthenticator,
  DEFAULT_MAX_CONCURRENT_VERIFICATIONS,
  loadCredentialsFile,
} from "../../rest/auth/basic-auth.ts";
import type { Clock } from "../../util/clock.ts";
import { throwInvalidKey } from "../../util/invalid-value.ts";
import { JwksCache, jwksCooldownProblem, MIN_JWKS_COOLDOWN_MS } from "../../util/jwks-cache.ts";
import { ASYMMETRIC_JWS_ALGORITHMS } from "../../util/jws.ts";
import { getLogger, type Logger } from "../../util/logger.ts";
import { JWKS_URL_SCHEMES_DOC } from "../../util/plain-http-jwks.ts";
import type { ClearTextListeners } from "../clear-text-listeners.ts";
import type { ClientIdentitySource } from "../tls/ingest-tls-config.ts";
import { BasicAttemptGuard, type BasicAttemptLimits } from "./basic-attempt-guard.ts";
import { jwtWarnings, validateIngestAuth } from "./ingest-auth-checks.ts";
import { readPublicKeyFile } from "./ingest-auth-files.ts";
import type { IngestAuthMetrics } from "./ingest-auth-metrics.ts";
import type { IngestAuthenticator } from "./ingest-authenticator.ts";
import { ingestAuthenticator } from "./ingest-authenticator.ts";
import { jwtAuthenticator } from "./jwt-authenticator.ts";

const GROUP = "Ingest authentication";

export const INGEST_AUTH_METHODS = ["mtls", "jwt", "basic"] as const;

export const ingestAuthConfigDef = defineConfig({
  "ingest.auth.methods": key.list({
    doc: "How devices authenticate on this connector's route and topics: any of mtls (a verified client certificate on the https ingest listener), jwt (Authorization: Bearer) and basic. Empty: no authentication, every request is anonymous.",
    default: [],
    importance: "HIGH",
    group: GROUP,
    recommended: [...INGEST_AUTH_METHODS],
    validators: [check.listOf(INGEST_AUTH_METHODS)],
  }),
  "ingest.auth.jwt.jwks.url": key.string({
    doc: `URL of the identity provider's JSON Web Key Set (${JWKS_URL_SCHEMES_DOC}). Keys are cached as its Cache-Control/Expires headers say and fetched again once for a token with an unknown key id.`,
    default: null,
    importance: "HIGH",
    group: GROUP,
    validators: [check.httpUrl()],
  }),
  "ingest.auth.jwt.public.key.location": key.string({
    doc: "A PEM public key (or certificate) file that verifies tokens, instead of a JWKS URL. Read at validation and at connector start: a file that cannot be read or holds no public key is an error on this key, and so is a private key (the signing key does not belong on the verifier; a connector stored with one starts with a WARN, verifying with its public key).",
    default: null,
    importance: "HIGH",
    group: GROUP,
  }),
  "ingest.auth.jwt.issuer": key.string({
    doc: "Required iss claim. Unset: not checked (a warning at connector start: any token the key set verifies is accepted).",
    default: null,
    importance: "MEDIUM",
    group: GROUP,
  }),
  "ingest.auth.jwt.audience": key.list({
    doc: "Accepted aud claim values (one suffices). Unset: not checked (a warning at connector start: with an identity provider shared by other services, their tokens are accepted too).",
    default: null,
    importance: "MEDIUM",
    group: GROUP,
  }),
  "ingest.auth.jwt.algorithms": key.list({
    doc: "Accepted JWS algorithms; asymmetric only, so alg none and HMAC tokens (HS/RS confusion) are rejected.",
    default: ["RS256", "ES256"],
    importance: "LOW",
    group: GROUP,
    recommended: [...ASYMMETRIC_JWS_ALGORITHMS],
    validators: [check.listOf(ASYMMETRIC_JWS_ALGORITHMS)],
  }),
  "ingest.auth.jwt.clock.skew.seconds": key.long({
    doc: "Clock skew allowed when checking exp, nbf and iat, in seconds (a token issued further in the future is refused).",
    default: 30,
    importance: "LOW",
    group: GROUP,
    validators: [check.between(0, 600)],
  }),
  "ingest.auth.jwt.identity.claim": key.string({
    doc: "The claim whose value is the device identity.",
    default: "sub",
    importance: "MEDIUM",
    group: GROUP,
    validators: [check.nonEmpty()],
  }),
  "ingest.auth.jwt.jwks.cooldown.ms": key.long({
    doc: "The least time between two fetches of the JWKS, failed ones included: a token naming a key id the keys held lack makes the JWKS be fetched again only once this long has passed since the last attempt (until then it answers 503 with Retry-After, the rest of the cooldown: it may be a freshly rotated key), and a JWKS announced no-cache or with a shorter max-age is kept this long. At least 1000 (a second): the ingest endpoint faces devices, and with no cooldown every token naming a made-up key id, forged ones too, fetched the JWKS again.",
    default: 30000,
    importance: "LOW",
    group: GROUP,
    validators: [jwksCooldownProblem],
  }),
  "ingest.auth.jwt.jwks.cache.default.age.ms": key.long({
    doc: "How long JWKS keys are used when the response has no Cache-Control max-age or Expires (clamped to between the cooldown and ingest.auth.jwt.jwks.cache.max.age.ms).",
    default: 600000,
    importance: "LOW",
    group: GROUP,
    validators: [check.atLeast(0)],
  }),
  "ingest.auth.jwt.jwks.cache.max.age.ms": key.long({
    doc: "The longest fetched JWKS keys are used before the JWKS is fetched again (a longer Cache-Control max-age or Expires is cut to it). The fetch runs in the background while the keys held go on verifying, and they are kept while it fails, at most this long again past their expiry: then bearer tokens answer 503 with Retry-After (a WARN says so, once per outage) until a fetch succeeds, so a key removed from the JWKS is not accepted for as long as the JWKS cannot be fetched. At least a second: keys past this age are fetched again at once, whatever ingest.auth.jwt.jwks.cooldown.ms, so a shorter one would fetch the JWKS for almost every request (any token, forged ones too).",
    default: 86400000,
    importance: "LOW",
    group: GROUP,
    validators: [check.atLeast(MIN_JWKS_COOLDOWN_MS)],
  }),
  "ingest.auth.basic.credentials.file": key.string({
    doc: "File of user:hash lines for basic authentication, as for the REST API (argon2 or bcrypt hashes, as `gateway hash-password` makes them; plaintext is refused). Read at validation (a file that cannot be read, a malformed line, a plaintext password or a weak hash is an error on this key) and at connector start.",
    default: null,
    importance: "HIGH",
    group: GROUP,
  }),
  "ingest.auth.basic.cache.max.entries": key.int({
    doc: "Verified basic (user, password) pairs remembered (under an HMAC with a per-process key, for as long as the connector runs: its credentials file is read at start) so a device's next requests cost no password verify and are never refused by the failure limits; the oldest is forgotten when it is full, so size it above the number of devices using basic authentication. 0 disables the cache.",
    default: 10000,
    importance: "LOW",
    group: GROUP,
    validators: [check.atLeast(0)],
  }),
  "ingest.auth.basic.max.concurrent.verifications": key.int({
    doc: "Password verifications (argon2 or bcrypt, each ~0.1-0.2 s of CPU) running at once for this connector; one more is answered 503 with Retry-After at once. Requests whose pair is in the cache need none. 0: no cap.",
    default: DEFAULT_MAX_CONCURRENT_VERIFICATIONS,
    importance: "MEDIUM",
    group: GROUP,
    validators: [check.atLeast(0)],
  }),
  "ingest.auth.basic.failures.max": key.int({
    doc: "Failed basic attempts from one client address (within ingest.auth.basic.failures.lockout.ms) after which its attempts that need a password verify are answered 429 with Retry-After for that long, as rest.authentication.failures.max does for the REST API. 0: no per-address limit.",
    default: 10,
    importance: "MEDIUM",
    group: GROUP,
    validators: [check.atLeast(0)],
  }),
  "ingest.auth.basic.failures.lockout.ms": key.long({
    doc: "The window in which failed basic attempts of an address are counted, and how long an address that reached ingest.auth.basic.failures.max stays blocked.",
    default: 60000,
    importance: "LOW",
    group: GROUP,
    validators: [check.atLeast(1)],
  }),
  "ingest.auth.basic.failures.global.per.second": key.double({
    doc: "Failed basic attempts per second of all clients together (bursts of ten seconds' worth); past it, attempts that need a password verify are answered 429 with Retry-After until the rate drops. 0: no global limit.",
    default: 10,
    importance: "LOW",
    group: GROUP,
    validators: [check.atLeast(0)],
  }),
  "ingest.auth.basic.realm": key.string({
    doc: "Realm announced in WWW-Authenticate for basic authentication.",
    default: "ingest",
    importance: "LOW",
    group: GROUP,
    validators: [check.headerSafe()],
  }),
});

export type IngestAuthConfig = ReturnType<typeof ingestAuthConfigDef.parse>;

export interface IngestAuthDeps {
  /** The https ingest listener's ssl.client.identity. */
  readonly mtlsIdentity: ClientIdentitySource;
  /**
   * Whether an ingest listener asks for client certificates (https, ssl.client.auth requested or
   * required); false: a connector with mtls starts with a WARN. Unset: not known (no WARN).
   */
  readonly clientCertificates?: boolean;
  /**
   * The plain http ingest listeners other hosts reach, and the https ones (unset: none); a connector
   * with jwt or basic starts with a WARN when there is such a plain one (clearTextCredentials).
   */
  readonly clearTextListeners?: ClearTextListeners;
  readonly clock?: Clock;
  /** Counts the connector's refusals and lockouts (IngestAuthMetrics). */
  readonly metrics?: IngestAuthMetrics;
  /** Gets the start-time warnings (jwtWarnings), prefixed with the connector's name. */
  readonly logger?: Logger;
  readonly connector?: string;
  /**
   * The connector's basic attempt guard for these limits, kept across its instances (IngestSecurity), so that a
   * config change, a restart or a pause and resume does not unblock the addresses it blocked; unset: a new one.
   */
  readonly attemptGuard?: (limits: BasicAttemptLimits) => BasicAttemptGuard;
}

/**
 * ingest.auth.methods lists mtls, but no ingest listener asks for a client certificate: every
 * device without another credential was refused (401 "send a client certificate") with nothing
 * in the log, though it had one configured (ingestjwt hunt).
 */
export const NO_CLIENT_CERTIFICATES =
  "ingest.auth.methods lists mtls, but no ingest listener asks devices for a client certificate (an https listener in ingest.listeners with ingest.listeners.https.ssl.client.auth requested or required): requests without another credential are refused (401)";

/**
 * jwt or basic served by plain http ingest listeners other hosts reach: bearer tokens and passwords
 * travel in clear text (explore2 G6), also when an https listener serves the connector beside them
 * (devices configured with the plain one's URL). Names the methods and listeners, never a credential.
 */
export function clearTextCredentials(methods: ReadonlySet<string>, listeners: ClearTextListeners): string | undefined {
  const exposed = ["jwt", "basic"].filter((m) => methods.has(m));
  if (exposed.length === 0 || listeners.plain.length === 0) return undefined;
  const plain = listeners.plain.join(", ");
  const credentials = exposed.map((m) => (m === "jwt" ? "bearer tokens" : "passwords")).join(" and ");
  if (listeners.https.length === 0) {
    return `ingest.auth.methods lists ${exposed.join(" and ")}, but the ingest listeners (${plain}) are plain http and none is https: devices' ${credentials} travel in clear text. Add an https listener to ingest.listeners (ingest.listeners.https.ssl.*), or bind them to 127.0.0.1 behind a TLS proxy.`;
  }
  const one = listeners.plain.length === 1;
  const https = listeners.https.length === 1 ? ["the https one", "is"] : ["the https ones", "are"];
  return `ingest.auth.methods lists ${exposed.join(" and ")}, and the plain http ingest ${one ? "listener" : "listeners"} (${plain}) other hosts reach ${one ? "serves" : "serve"} it beside ${https[0]} (${listeners.https.join(", ")}): devices reaching ${one ? "it" : "them"} send their ${credentials} unencrypted; ${https[0]} ${https[1]} fine. Remove the plain ${one ? "listener" : "listeners"} from ingest.listeners, or bind ${one ? "it" : "them"} to 127.0.0.1 behind a TLS proxy.`;
}

/** Builds the connector's authenticator; throws a ConfigError naming the key at fault. */
function attemptGuard(limits: BasicAttemptLimits, deps: IngestAuthDeps): BasicAttemptGuard {
  return deps.attemptGuard ? deps.attemptGuard(limits) : new BasicAttemptGuard(limits, deps.clock);
}

export function ingestAuthenticatorFrom(config: IngestAuthConfig, deps: IngestAuthDeps): IngestAuthenticator {
  const problems = validateIngestAuth(config);
  if (problems.length > 0) throwInvalidKey(problems[0]!.key, problems[0]!.message);
  const methods = new Set(config["ingest.auth.methods"]);
  const log = deps.logger ?? getLogger("io.edgegateway.ingest.IngestAuthentication");
  for (const warning of jwtWarnings(config)) log.warn(`[${deps.connector ?? "ingest"}] ${warning}`);
  if (methods.has("mtls") && deps.clientCertificates === false)
    log.warn(`[${deps.connector ?? "ingest"}] ${NO_CLIENT_CERTIFICATES}`);
  const clearText = clearTextCredentials(methods, deps.clearTextListeners ?? { plain: [], https: [] });
  if (clearText) log.warn(`[${deps.connector ?? "ingest"}] ${clearText}`);
  let jwt: ReturnType<typeof jwtAuthenticator> | null = null;
  if (methods.has("jwt")) {
    const jwksUrl = config["ingest.auth.jwt.jwks.url"];
    const pemPath = config["ingest.auth.jwt.public.key.location"];
    let publicKey: string | undefined;
    if (pemPath) {
      const read = readPublicKeyFile(pemPath);
      if ("problem" in read) throwInvalidKey("ingest.auth.jwt.public.key.location", read.problem);
      publicKey = read.pem;
    }
    const cooldown = config["ingest.auth.jwt.jwks.cooldown.ms"];
    try {
      jwt = jwtAuthenticator({
        ...(jwksUrl
          ? {
              jwks: new JwksCache({
                url: new URL(jwksUrl),
                cooldownMs: cooldown,
                minAgeMs: cooldown,
                maxAgeMs: config["ingest.auth.jwt.jwks.cache.max.age.ms"],
                defaultAgeMs: config["ingest.auth.jwt.jwks.cache.default.age.ms"],
                warn: (message) => log.warn(`[${deps.connector ?? "ingest"}] ${message}`),
                ...(deps.clock ? { clock: deps.clock } : {}),
              }),
            }
          : { publicKey: publicKey! }),
        issuer: config["ingest.auth.jwt.issuer"] || null,
        audience: config["ingest.auth.jwt.audience"] ?? [],
        algorithms: config["ingest.auth.jwt.algorithms"],
        clockSkewSeconds: config["ingest.auth.jwt.clock.skew.seconds"],
        identityClaim: config["ingest.auth.jwt.identity.claim"],
      });
    } catch (error) {
      throwInvalidKey("ingest.auth.jwt.public.key.location", `not a usable public key: ${(error as Error).message}`);
    }
  }
  let basic: IngestAuthenticatorBasic | null = null;
  if (methods.has("basic")) {
    const name = "ingest.auth.basic.credentials.file";
    try {
      // Line numbers only: the path comes with a REST-submitted config (basic-auth.ts CredentialsMessages).
      const credentials = loadCredentialsFile(config[name]!, { quoteUsers: false });
      basic = {
        authenticator: basicAuthenticator({
          credentials,
          cacheMaxEntries: config["ingest.auth.basic.cache.max.entries"],
          // For as long as the connector runs (the file is read only at start): with a minute, a
          // device's next request after it needed a verify, which guessers holding the global
          // failure limit down got refused (429), locking every basic device out (ingestjwt hunt).
          cacheTtlMs: Number.POSITIVE_INFINITY,
          ...(deps.clock ? { clock: deps.clock } : {}),
        }),
        realm: config["ingest.auth.basic.realm"],
        guard: attemptGuard(
          {
            maxFailures: config["ingest.auth.basic.failures.max"],
            lockoutMs: config["ingest.auth.basic.failures.lockout.ms"],
            globalFailuresPerSecond: config["ingest.auth.basic.failures.global.per.second"],
            maxConcurrentVerifications: config["ingest.auth.basic.max.concurrent.verifications"],
          },
          deps,
        ),
      };
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      throwInvalidKey(name, error.message);
    }
  }
  return ingestAuthenticator({
    mtls: methods.has("mtls") ? deps.mtlsIdentity : null,
    jwt,
    basic,
    logger: deps.connector ? log.withContext(`[${deps.connector}]`) : log,
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    ...(deps.clock ? { clock: deps.clock } : {}),
  });
}

type IngestAuthenticatorBasic = NonNullable<Parameters<typeof ingestAuthenticator>[0]["basic"]>;
