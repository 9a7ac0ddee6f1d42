/**
 * The HttpIngestSource connector's authentication keys (`ingest.auth.*`), declared once; the
 * connector's config def concatenates them, so validation, REST and docs come from here.
 * `ingestAuthenticatorFrom` checks how they combine and builds the authenticator at connector start.
 *
 * Off by default (`ingest.auth.methods` empty: every request is the anonymous identity), like the
 * REST API; listing methods makes credentials mandatory on the connector's route and topics.
 */
import { readFileSync } from "node:fs";
import { ConfigError } from "../../errors.ts";
import { check, defineConfig, key } from "../../plugin/config-def.ts";
import { basicAuthenticator, loadCredentialsFile } from "../../rest/auth/basic-auth.ts";
import type { Clock } from "../../util/clock.ts";
import { ASYMMETRIC_JWS_ALGORITHMS } from "../../util/jws.ts";
import type { ClientIdentitySource } from "../tls/ingest-tls-config.ts";
import type { IngestAuthenticator } from "./ingest-authenticator.ts";
import { ingestAuthenticator } from "./ingest-authenticator.ts";
import { JwksCache } from "./jwks-cache.ts";
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
    doc: "URL of the identity provider's JSON Web Key Set. Keys are cached as its Cache-Control/Expires headers say and fetched again once for a token with an unknown key id.",
    default: null,
    importance: "HIGH",
    group: GROUP,
    validators: [check.httpUrl()],
  }),
  "ingest.auth.jwt.public.key.location": key.string({
    doc: "A PEM public key (or certificate) file that verifies tokens, instead of a JWKS URL.",
    default: null,
    importance: "HIGH",
    group: GROUP,
  }),
  "ingest.auth.jwt.issuer": key.string({
    doc: "Required iss claim. Unset: not checked.",
    default: null,
    importance: "MEDIUM",
    group: GROUP,
  }),
  "ingest.auth.jwt.audience": key.list({
    doc: "Accepted aud claim values (one suffices). Unset: not checked.",
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
    doc: "Clock skew allowed when checking exp and nbf, in seconds.",
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
    doc: "Minimum time between JWKS fetches caused by unknown key ids.",
    default: 30000,
    importance: "LOW",
    group: GROUP,
    validators: [check.atLeast(0)],
  }),
  "ingest.auth.jwt.jwks.cache.default.age.ms": key.long({
    doc: "How long JWKS keys are used when the response has no Cache-Control max-age or Expires (clamped to between the cooldown and one day).",
    default: 600000,
    importance: "LOW",
    group: GROUP,
    validators: [check.atLeast(0)],
  }),
  "ingest.auth.basic.credentials.file": key.string({
    doc: "File of user:hash lines for basic authentication, as for the REST API (argon2 or bcrypt hashes from Bun.password.hash; plaintext is refused). Read at connector start.",
    default: null,
    importance: "HIGH",
    group: GROUP,
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

/** Cross-key checks for PUT …/config/validate (descriptor `validate`). */
export function validateIngestAuth(config: IngestAuthConfig): { key: string; message: string }[] {
  const methods = new Set(config["ingest.auth.methods"]);
  const out: { key: string; message: string }[] = [];
  const jwks = config["ingest.auth.jwt.jwks.url"];
  const pem = config["ingest.auth.jwt.public.key.location"];
  if (methods.has("jwt") && !jwks && !pem) {
    out.push({
      key: "ingest.auth.jwt.jwks.url",
      message: "jwt needs ingest.auth.jwt.jwks.url or ingest.auth.jwt.public.key.location",
    });
  }
  if (methods.has("jwt") && jwks && pem) {
    out.push({
      key: "ingest.auth.jwt.public.key.location",
      message: "set either a JWKS URL or a public key, not both",
    });
  }
  if (methods.has("basic") && !config["ingest.auth.basic.credentials.file"]) {
    out.push({ key: "ingest.auth.basic.credentials.file", message: "basic needs a credentials file" });
  }
  return out;
}

export interface IngestAuthDeps {
  /** The https ingest listener's ssl.client.identity. */
  readonly mtlsIdentity: ClientIdentitySource;
  readonly clock?: Clock;
}

function fail(name: string, message: string): never {
  throw new ConfigError(`Invalid value for configuration ${name}: ${message}`, new Map([[name, [message]]]));
}

/** Builds the connector's authenticator; throws a ConfigError naming the key at fault. */
export function ingestAuthenticatorFrom(config: IngestAuthConfig, deps: IngestAuthDeps): IngestAuthenticator {
  const problems = validateIngestAuth(config);
  if (problems.length > 0) fail(problems[0]!.key, problems[0]!.message);
  const methods = new Set(config["ingest.auth.methods"]);
  let jwt: ReturnType<typeof jwtAuthenticator> | null = null;
  if (methods.has("jwt")) {
    const jwksUrl = config["ingest.auth.jwt.jwks.url"];
    const pemPath = config["ingest.auth.jwt.public.key.location"];
    let publicKey: string | undefined;
    if (pemPath) {
      try {
        publicKey = readFileSync(pemPath, "utf8");
      } catch (error) {
        fail("ingest.auth.jwt.public.key.location", `cannot read ${pemPath}: ${(error as Error).message}`);
      }
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
                defaultAgeMs: config["ingest.auth.jwt.jwks.cache.default.age.ms"],
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
      fail("ingest.auth.jwt.public.key.location", `not a usable public key: ${(error as Error).message}`);
    }
  }
  let basic: IngestAuthenticatorBasic | null = null;
  if (methods.has("basic")) {
    const name = "ingest.auth.basic.credentials.file";
    try {
      const credentials = loadCredentialsFile(config[name]!);
      basic = {
        authenticator: basicAuthenticator({ credentials, ...(deps.clock ? { clock: deps.clock } : {}) }),
        realm: config["ingest.auth.basic.realm"],
      };
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      fail(name, error.message);
    }
  }
  return ingestAuthenticator({ mtls: methods.has("mtls") ? deps.mtlsIdentity : null, jwt, basic });
}

type IngestAuthenticatorBasic = NonNullable<Parameters<typeof ingestAuthenticator>[0]["basic"]>;
