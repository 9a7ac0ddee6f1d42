/**
 * The REST authentication settings, declared once with the config DSL (merged into the worker's
 * keys and docs), and `restAuthenticationOptions`, which checks how they combine, loads the
 * credentials file and builds the authenticators for `restAuthentication`. Called once at startup.
 *
 * Off by default, like Kafka Connect: `rest.authentication` is empty until `basic` and/or
 * `bearer` are listed. Connect configures this through a JAAS REST extension
 * (`rest.extension.classes`); here it is one worker setting.
 */
import { ConfigError } from "../../errors.ts";
import { check, defineConfig, key, type Validator } from "../../plugin/config-def.ts";
import type { Clock } from "../../util/clock.ts";
import { invalidValue } from "../../util/invalid-value.ts";
import { jwksCooldownProblem, MIN_JWKS_COOLDOWN_MS } from "../../util/jwks-cache.ts";
import { ASYMMETRIC_JWS_ALGORITHMS } from "../../util/jws.ts";
import { getLogger, type Logger } from "../../util/logger.ts";
import {
  isPlainHttpElsewhere,
  JWKS_URL_SCHEMES_DOC,
  PLAIN_HTTP_JWKS_REFUSED,
  plainHttpJwksWarning,
} from "../../util/plain-http-jwks.ts";
import { REST_AUTHENTICATION_LOGGER, type RestAuthenticationOptions } from "./auth-middleware.ts";
import { basicAuthenticator, DEFAULT_MAX_CONCURRENT_VERIFICATIONS, loadCredentialsFile } from "./basic-auth.ts";
import { bearerAuthenticator } from "./bearer-auth.ts";
import { LoginThrottle } from "./login-throttle.ts";

const GROUP = "REST authentication";

export const REST_AUTHENTICATION_SCHEMES = ["basic", "bearer"] as const;

/**
 * Exempt paths are compared with the path requests are routed on, which has no trailing slash, no
 * `;` parameters, no query: `/health/` never matched, so health checks got 401 (adminauth hunt
 * 2026-12-03); such a path is refused at startup rather than left to match nothing.
 */
const absolutePaths: Validator<string[]> = (paths) => {
  const bad = paths.filter((p) => !p.startsWith("/"));
  if (bad.length > 0) return `Paths must start with /: ${bad.join(", ")}`;
  const unmatchable = paths.filter((p) => (p.length > 1 && p.endsWith("/")) || /[;?#]/.test(p));
  return unmatchable.length > 0
    ? `Paths are matched without a trailing slash, ; parameters or a query, so these never match: ${unmatchable.join(", ")}`
    : undefined;
};

export const restAuthenticationConfigDef = defineConfig({
  "rest.authentication": key.list({
    doc: "Authentication schemes the REST API accepts: basic, bearer or both. Empty: no authentication (the default, as in Kafka Connect).",
    default: [],
    importance: "HIGH",
    group: GROUP,
    displayName: "REST authentication schemes",
    recommended: [...REST_AUTHENTICATION_SCHEMES],
    validators: [check.listOf(REST_AUTHENTICATION_SCHEMES)],
  }),
  "rest.authentication.basic.credentials.file": key.string({
    doc: "File of user:hash lines (# starts a comment) for basic authentication. Hashes are argon2 or bcrypt strings as `gateway hash-password` makes them ($argon2id$…, $2b$…); plaintext passwords are refused. Read at startup.",
    default: null,
    importance: "HIGH",
    group: GROUP,
    displayName: "Basic credentials file",
  }),
  "rest.authentication.basic.realm": key.string({
    doc: "Realm announced in the WWW-Authenticate header of basic authentication.",
    default: "Kafka Connect",
    importance: "LOW",
    group: GROUP,
    validators: [check.headerSafe()],
  }),
  "rest.authentication.bearer.jwks.url": key.string({
    doc: `URL of the identity provider's JSON Web Key Set (${JWKS_URL_SCHEMES_DOC}; the rule of ingest.auth.jwt.jwks.url), used to verify bearer tokens (JWTs). Keys are cached and refetched when a token names an unknown key id.`,
    default: null,
    importance: "HIGH",
    group: GROUP,
    displayName: "JWKS URL",
    validators: [check.httpUrl()],
  }),
  "rest.authentication.bearer.issuer": key.string({
    doc: "Required iss claim of bearer tokens. Unset: the issuer is not checked.",
    default: null,
    importance: "MEDIUM",
    group: GROUP,
  }),
  "rest.authentication.bearer.audience": key.list({
    doc: "Accepted aud claim values of bearer tokens (a token needs one of them). Unset: the audience is not checked, so tokens the provider issued for other services are accepted too.",
    default: null,
    importance: "MEDIUM",
    group: GROUP,
  }),
  "rest.authentication.bearer.algorithms": key.list({
    doc: "JWS algorithms accepted for bearer tokens.",
    default: ["RS256", "ES256"],
    importance: "LOW",
    group: GROUP,
    recommended: [...ASYMMETRIC_JWS_ALGORITHMS],
    validators: [check.listOf(ASYMMETRIC_JWS_ALGORITHMS)],
  }),
  "rest.authentication.bearer.clock.tolerance.seconds": key.long({
    doc: "Clock skew allowed when checking the exp, nbf and iat claims of bearer tokens, in seconds (a token issued further in the future is refused).",
    default: 30,
    importance: "LOW",
    group: GROUP,
    validators: [check.atLeast(0)],
  }),
  "rest.authentication.bearer.jwks.cooldown.ms": key.long({
    doc: "The least time between two fetches of the JWKS, failed ones included (protects the identity provider from floods of bad tokens): a token with an unknown key id answers 503 with Retry-After until then (it may be a freshly rotated key), a JWKS announced no-cache or with a shorter max-age is kept that long (never past jwks.cache.max.age.ms), and after a failed fetch the keys held go on verifying without a fetch per request (a JWKS past jwks.cache.max.age.ms is fetched again at once). At least 1000 (a second), as ingest.auth.jwt.jwks.cooldown.ms: with no cooldown every token naming a made-up key id, forged ones too, fetched the JWKS again.",
    default: 30000,
    importance: "LOW",
    group: GROUP,
    validators: [jwksCooldownProblem],
  }),
  "rest.authentication.bearer.jwks.cache.max.age.ms": key.long({
    doc: "How long fetched JWKS keys are used before the JWKS is fetched again; shorter when the JWKS response's Cache-Control max-age says so (but not shorter than jwks.cooldown.ms). The fetch runs in the background while the keys held go on verifying, and they are kept while it fails, at most this long again past their expiry (then bearer tokens answer 503, with a WARN once per outage, until a fetch succeeds): a key removed from the JWKS stops being accepted once a fetch after this time succeeds. At least a second: keys past this age are fetched again at once, whatever jwks.cooldown.ms, so a shorter one (0 included: there is no uncached mode) would fetch the JWKS for almost every request (any token, forged ones too).",
    default: 600000,
    importance: "LOW",
    group: GROUP,
    validators: [check.atLeast(MIN_JWKS_COOLDOWN_MS)],
  }),
  "rest.authentication.basic.max.concurrent.verifications": key.int({
    doc: "Password verifications (argon2 or bcrypt, each ~0.1-0.2 s of CPU) running at once for basic authentication, of all client addresses together (one address's run one at a time while rest.authentication.failures.max is above 0); one more is answered 503 with Retry-After at once, as ingest.auth.basic.max.concurrent.verifications does for an ingest connector. Pairs verified within the last minute need none. 0: no cap.",
    default: DEFAULT_MAX_CONCURRENT_VERIFICATIONS,
    importance: "MEDIUM",
    group: GROUP,
    validators: [check.atLeast(0)],
  }),
  "rest.authentication.failures.max": key.int({
    doc: "Failed authentication attempts from one client address (within rest.authentication.failures.lockout.ms) after which its requests are answered 429 with Retry-After for rest.authentication.failures.lockout.ms, without checking credentials. 0 disables the limit.",
    default: 10,
    importance: "MEDIUM",
    group: GROUP,
    validators: [check.atLeast(0)],
  }),
  "rest.authentication.failures.lockout.ms": key.long({
    doc: "The window in which failed attempts are counted, and how long a client address that reached rest.authentication.failures.max stays blocked.",
    default: 60000,
    importance: "LOW",
    group: GROUP,
    validators: [check.atLeast(1)],
  }),
  "rest.authentication.exempt.paths": key.list({
    doc: "Paths served without authentication, matched exactly. The default keeps container health checks working.",
    default: ["/health"],
    importance: "LOW",
    group: GROUP,
    validators: [absolutePaths],
  }),
});

export type RestAuthenticationConfig = ReturnType<typeof restAuthenticationConfigDef.parse>;

export interface RestAuthenticationDeps {
  readonly clock?: Clock;
  readonly logger?: Logger;
}

/**
 * The middleware options the settings describe, or null when authentication is off. Throws one
 * ConfigError naming every key that is missing or wrong for the enabled schemes.
 */
export function restAuthenticationOptions(
  config: RestAuthenticationConfig,
  deps: RestAuthenticationDeps = {},
): RestAuthenticationOptions | null {
  const log = deps.logger ?? getLogger(REST_AUTHENTICATION_LOGGER);
  const schemes = new Set(config["rest.authentication"]);
  const errors = new Map<string, string[]>();
  const fail = (name: string, value: string | null, reason: string) => {
    errors.set(name, [...(errors.get(name) ?? []), invalidValue(name, value, reason)]);
  };

  if (schemes.size === 0) {
    const set = ["rest.authentication.basic.credentials.file", "rest.authentication.bearer.jwks.url"] as const;
    const given = set.filter((name) => config[name] !== null && config[name] !== "");
    if (given.length > 0) {
      log.warn(
        `REST authentication is off because rest.authentication is empty, although ${given.join(" and ")} is set`,
      );
    }
    return null;
  }

  let basic: RestAuthenticationOptions["basic"] = null;
  if (schemes.has("basic")) {
    const name = "rest.authentication.basic.credentials.file";
    const path = config[name];
    if (path === null || path === "") {
      fail(name, path, "a credentials file is required when rest.authentication includes basic");
    } else {
      try {
        const credentials = loadCredentialsFile(path);
        basic = {
          authenticator: basicAuthenticator({
            credentials,
            logger: log,
            ...(deps.clock ? { clock: deps.clock } : {}),
          }),
          realm: config["rest.authentication.basic.realm"],
        };
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        fail(name, path, error.message);
      }
    }
  }

  let bearer: RestAuthenticationOptions["bearer"] = null;
  const warnings: string[] = [];
  if (schemes.has("bearer")) {
    const urlKey = "rest.authentication.bearer.jwks.url";
    const url = config[urlKey];
    const audience = config["rest.authentication.bearer.audience"] ?? [];
    const algorithms = config["rest.authentication.bearer.algorithms"];
    if (url === null || url === "") {
      fail(urlKey, url, "a JWKS URL is required when rest.authentication includes bearer");
    } else if (isPlainHttpElsewhere(url)) {
      // As an ingest connector's key: the admin plane was the one taking it (explore4 J2).
      fail(urlKey, url, PLAIN_HTTP_JWKS_REFUSED);
    }
    if (algorithms.length === 0) {
      fail("rest.authentication.bearer.algorithms", "", "at least one algorithm is required for bearer");
    }
    if (url !== null && url !== "" && !errors.has(urlKey) && algorithms.length > 0) {
      const jwksUrl = new URL(url);
      bearer = bearerAuthenticator({
        jwksUrl,
        issuer: config["rest.authentication.bearer.issuer"] || null,
        audience,
        algorithms,
        clockToleranceSeconds: config["rest.authentication.bearer.clock.tolerance.seconds"],
        jwksCooldownMs: config["rest.authentication.bearer.jwks.cooldown.ms"],
        jwksCacheMaxAgeMs: config["rest.authentication.bearer.jwks.cache.max.age.ms"],
        warn: (message) => log.warn(message),
        ...(deps.clock ? { clock: deps.clock } : {}),
      });
      if (audience.length === 0) {
        warnings.push(
          "rest.authentication.bearer.audience is unset: bearer tokens the identity provider issued for any audience are accepted",
        );
      }
      if (jwksUrl.protocol === "http:") {
        warnings.push(plainHttpJwksWarning(urlKey));
      }
    }
  }

  if (errors.size > 0) throw new ConfigError([...errors.values()].flat().join("; "), errors);
  for (const warning of warnings) log.warn(warning);
  const throttle = new LoginThrottle({
    maxFailures: config["rest.authentication.failures.max"],
    lockoutMs: config["rest.authentication.failures.lockout.ms"],
    ...(deps.clock ? { clock: deps.clock } : {}),
  });
  return {
    basic,
    bearer,
    exemptPaths: config["rest.authentication.exempt.paths"],
    throttle,
    maxConcurrentVerifications: config["rest.authentication.basic.max.concurrent.verifications"],
  };
}
