/**
 * A Kafka client's SASL settings from `sasl.mechanism` and `sasl.jaas.config`, checked as Kafka
 * 4.3.1's clients check them before a connection: the mechanism matched exactly as their SASL
 * client factories and the broker's enabled list match it (`plain` never authenticates), the JAAS
 * text parsed as Kafka parses it (jaas-config.ts), one login module of a class they can load (for
 * PLAIN and SCRAM only). Then what this gateway's clients need: PLAIN or SCRAM, with a username and
 * password. Called by client-config.ts.
 */
import { invalidValueError } from "../util/invalid-value.ts";
import { JaasConfigError, type JaasEntry, parseJaasConfig } from "./jaas-config.ts";
import type { ClientProperties } from "./kafka-port.ts";

export interface SaslSettings {
  mechanism: "plain" | "scram-sha-256" | "scram-sha-512";
  username: string;
  password: string;
}

/**
 * The login modules a stock Kafka 4.3.1 client can load: PLAIN's and SCRAM's, and those of the
 * mechanisms this gateway refuses (OAUTHBEARER, GSSAPI's JDK Kerberos module). Like
 * client-classes.ts, any other name under PLAIN or SCRAM is taken for a class Connect could not find.
 */
const LOGIN_MODULES: ReadonlySet<string> = new Set([
  "org.apache.kafka.common.security.plain.PlainLoginModule",
  "org.apache.kafka.common.security.scram.ScramLoginModule",
  "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule",
  "com.sun.security.auth.module.Krb5LoginModule",
]);

/** The mechanisms this gateway's clients speak, as Kafka names them. */
const MECHANISMS = { PLAIN: "plain", "SCRAM-SHA-256": "scram-sha-256", "SCRAM-SHA-512": "scram-sha-512" } as const;
const SUPPORTED = "supported mechanisms are PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512";
const JAAS = "sasl.jaas.config";

function fail(key: string, value: string | undefined, reason: string): never {
  throw invalidValueError(key, value ?? null, reason);
}

/** `sasl.mechanism` trimmed (ConfigDef trims a STRING); refused when Kafka writes that name in another case. */
function mechanismOf(props: ClientProperties): string {
  const mechanism = (props["sasl.mechanism"] ?? "GSSAPI").trim();
  const known = Object.keys(MECHANISMS).find((m) => m !== mechanism && m === mechanism.toUpperCase());
  if (known !== undefined)
    fail(
      "sasl.mechanism",
      mechanism,
      `SASL mechanism names are case-sensitive, as in Kafka's clients: use ${known} (the ${SUPPORTED})`,
    );
  return mechanism;
}

/** The one login module of the JAAS text, as Kafka's JaasContext takes it. */
function loginModuleOf(jaas: string): JaasEntry {
  let entries: JaasEntry[];
  try {
    entries = parseJaasConfig(jaas);
  } catch (error) {
    if (!(error instanceof JaasConfigError)) throw error;
    fail(JAAS, "[hidden]", error.message);
  }
  if (entries.length !== 1)
    fail(JAAS, "[hidden]", `JAAS config property contains ${entries.length} login modules, should be 1 module`);
  return entries[0]!;
}

/**
 * Java's LoginContext loads the class by its name: any other fails every login. Only checked for
 * the mechanisms this gateway speaks: another mechanism's module (AWS MSK IAM's
 * `software.amazon.msk.auth.iam.IAMLoginModule`) may be on Connect's class path, and the mechanism
 * is what the gateway refuses.
 */
function checkLoadable(entry: JaasEntry): void {
  if (!LOGIN_MODULES.has(entry.loginModule)) fail(JAAS, "[hidden]", `No LoginModule found for ${entry.loginModule}`);
}

/**
 * Throws the ConfigError of what Kafka's own clients refuse too (a mechanism written in another
 * case, a JAAS text they cannot parse, a PLAIN or SCRAM login module they cannot load); what only
 * this gateway refuses (GSSAPI, OAUTHBEARER, AWS_MSK_IAM, no username) is left to saslSettings.
 */
export function checkSaslAsKafka(props: ClientProperties): void {
  const mechanism = mechanismOf(props);
  const jaas = props[JAAS];
  if (!jaas) return;
  const entry = loginModuleOf(jaas);
  if (Object.hasOwn(MECHANISMS, mechanism)) checkLoadable(entry);
}

/** The mechanism and the username and password of its PlainLoginModule or ScramLoginModule. */
export function saslSettings(props: ClientProperties): SaslSettings {
  const mechanism = mechanismOf(props);
  const name = MECHANISMS[mechanism as keyof typeof MECHANISMS];
  if (!name) fail("sasl.mechanism", mechanism, SUPPORTED);
  const jaas = props[JAAS];
  if (!jaas) fail(JAAS, jaas, `SASL mechanism ${mechanism} needs a JAAS configuration with username and password`);
  const entry = loginModuleOf(jaas);
  checkLoadable(entry);
  const { loginModule, options } = entry;
  const username = options.get("username");
  const password = options.get("password");
  if (username === undefined || password === undefined)
    fail(JAAS, "[hidden]", `${loginModule} needs username and password options`);
  return { mechanism: name, username, password };
}
