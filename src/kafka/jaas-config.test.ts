/**
 * `sasl.jaas.config` parsed as Kafka's clients parse it. The expected answers were recorded from
 * Apache Kafka 4.3.1's `JaasContext.loadClientContext` (the Connect 4.3.1 jars) for the same
 * values: the entry's options, or the IllegalArgumentException's message.
 */
import { describe, expect, test } from "bun:test";
import { ConfigError } from "../errors.ts";
import { checkSecurityAsKafka, connectionSettings } from "./client-config.ts";
import { parseJaasConfig } from "./jaas-config.ts";

const PLAIN = "org.apache.kafka.common.security.plain.PlainLoginModule";

describe("parseJaasConfig", () => {
  test.each([
    [`${PLAIN} required username="u" password="p";`, { password: "p", username: "u" }],
    [`${PLAIN} required username="u" password="p" ;  `, { password: "p", username: "u" }],
    [`${PLAIN} required username=u password=p;`, { password: "p", username: "u" }],
    [`${PLAIN} "required" username="u";`, { username: "u" }],
    [`x required username='u\\"q' password="a\\tb\\101\\\\"; // trailing`, { password: "a\tbA\\", username: 'u"q' }],
    ['x REQUIRED /* c */ username="u" password="p"; ', { password: "p", username: "u" }],
    ['x required user-name="u" p$w_d="x" a.b="c";', { "a.b": "c", p$w_d: "x", "user-name": "u" }],
  ])("%s: Kafka's options", (value, options) => {
    const entries = parseJaasConfig(value);
    expect(entries.map((e) => Object.fromEntries(e.options))).toEqual([options]);
  });

  test.each([
    [`${PLAIN} required username="u" password="p"`, "JAAS config entry not terminated by semi-colon"],
    ['x required username="u" password="unterminated', "JAAS config entry not terminated by semi-colon"],
    [`${PLAIN} required username="u" password=123;`, "Value not specified for key 'password' in JAAS config"],
    [`${PLAIN} required username="u" password;`, "Value not specified for key 'password' in JAAS config"],
    [`${PLAIN} required username="u" password=;`, "Value not specified for key 'password' in JAAS config"],
    ['x required -a="1";', "Value not specified for key 'null' in JAAS config"],
    [PLAIN, "Login module control flag not specified in JAAS config"],
    [`${PLAIN} maybe username="u";`, "Invalid login module control flag 'maybe' in JAAS config"],
    [`${PLAIN} 5 username="u";`, "Login module control flag is not available in the JAAS config"],
    ["// comment only", "Login module not specified in JAAS config"],
    ["", "Login module not specified in JAAS config"],
  ])("%s: refused with Kafka's message", (value, message) => {
    expect(() => parseJaasConfig(value)).toThrow(message);
  });

  test("a quoted token in a message is hidden (Kafka quotes it: it may be the password)", () => {
    expect(() => parseJaasConfig('x required username="u" "s3cret";')).toThrow(
      "Value not specified for key '[hidden]' in JAAS config",
    );
  });

  test("words after an unquoted value are hidden too: a password with a space or ';' in it is not quoted in part", () => {
    const refused = (value: string) => {
      try {
        parseJaasConfig(value);
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error("accepted");
    };
    expect(refused(`${PLAIN} required username="u" password=my s3cret;`)).toBe(
      "Value not specified for key '[hidden]' in JAAS config",
    );
    expect(refused(`${PLAIN} required username=u password=my;s3cret word;`)).toBe(
      "Invalid login module control flag '[hidden]' in JAAS config",
    );
    // Before any unquoted value, words are Kafka's message as they are.
    expect(refused(`${PLAIN} required username="u" password;`)).toBe(
      "Value not specified for key 'password' in JAAS config",
    );
  });
});

describe("sasl.jaas.config of a client", () => {
  const settings = (jaas: string) =>
    connectionSettings({
      "bootstrap.servers": "127.0.0.1:9092",
      "security.protocol": "SASL_PLAINTEXT",
      "sasl.mechanism": "PLAIN",
      "sasl.jaas.config": jaas,
    });

  test("without the trailing ';' it is refused as Kafka's clients refuse it, the value hidden", () => {
    const message =
      "Invalid value [hidden] for configuration sasl.jaas.config: JAAS config entry not terminated by semi-colon";
    expect(() => settings(`${PLAIN} required username="u" password="s3cret"`)).toThrow(new ConfigError(message));
  });

  test("two login modules are refused as Kafka's JaasContext refuses them", () => {
    expect(() => settings('a required username="u" password="p"; b required;')).toThrow(
      "Invalid value [hidden] for configuration sasl.jaas.config: JAAS config property contains 2 login modules, should be 1 module",
    );
  });

  // explore4 J5: Java's LoginContext loads the module by its class name; an unknown one (or a short
  // name) fails every login with `No LoginModule found for <name>`. They were taken here.
  test.each([
    "com.example.NopeLoginModule",
    "PlainLoginModule",
    "org.apache.kafka.common.security.plain.plainloginmodule",
  ])("a login module Kafka's clients cannot load (%s) is refused with Java's message", (module) => {
    expect(() => settings(`${module} required username="u" password="s3cret";`)).toThrow(
      new ConfigError(`Invalid value [hidden] for configuration sasl.jaas.config: No LoginModule found for ${module}`),
    );
  });

  test.each([
    PLAIN,
    "org.apache.kafka.common.security.scram.ScramLoginModule",
    "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule",
    "com.sun.security.auth.module.Krb5LoginModule",
  ])("the login module %s is taken", (module) => {
    expect(settings(`${module} required username="u" password="p";`).sasl?.username).toBe("u");
  });

  test("a valid value gives the username and password", () => {
    expect(settings(`${PLAIN} required username="u" password="p\\"q";`).sasl).toEqual({
      mechanism: "plain",
      username: "u",
      password: 'p"q',
    });
  });
});

// explore4 J5: Java's SASL client factories and the broker's enabled list match the name exactly:
// `plain` never authenticates. It was upper-cased here and connected.
describe("sasl.mechanism of a client", () => {
  const settings = (mechanism: string) =>
    connectionSettings({
      "bootstrap.servers": "127.0.0.1:9092",
      "security.protocol": "sasl_plaintext",
      "sasl.mechanism": mechanism,
      "sasl.jaas.config": `${PLAIN} required username="u" password="p";`,
    });

  test.each([
    ["PLAIN", "plain"],
    [" SCRAM-SHA-256 ", "scram-sha-256"],
    ["SCRAM-SHA-512", "scram-sha-512"],
  ])("%p is taken, trimmed as ConfigDef trims a STRING", (mechanism, name) => {
    expect(settings(mechanism).sasl?.mechanism).toBe(name as "plain");
  });

  test.each([
    ["plain", "PLAIN"],
    ["Scram-Sha-256", "SCRAM-SHA-256"],
    ["scram-sha-512", "SCRAM-SHA-512"],
  ])("%p is refused, naming the name Kafka writes and the accepted ones", (mechanism, known) => {
    expect(() => settings(mechanism)).toThrow(
      new ConfigError(
        `Invalid value ${mechanism} for configuration sasl.mechanism: SASL mechanism names are case-sensitive, as in Kafka's clients: use ${known} (the supported mechanisms are PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512)`,
      ),
    );
  });

  test("an unsupported mechanism is refused as written", () => {
    expect(() => settings("oauthbearer")).toThrow(
      "Invalid value oauthbearer for configuration sasl.mechanism: supported mechanisms are PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512",
    );
  });

  // review-sec6 P2-3: the module is a class Java loads in MSK setups; the mechanism is the reason.
  test("AWS MSK IAM's set is refused for its mechanism, not its login module", () => {
    const msk = {
      "security.protocol": "SASL_PLAINTEXT",
      "sasl.mechanism": "AWS_MSK_IAM",
      "sasl.jaas.config": "software.amazon.msk.auth.iam.IAMLoginModule required;",
    };
    const reason =
      "Invalid value AWS_MSK_IAM for configuration sasl.mechanism: supported mechanisms are PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512";
    expect(() => connectionSettings({ "bootstrap.servers": "127.0.0.1:9092", ...msk })).toThrow(
      new ConfigError(reason),
    );
    // Connector validation (what Kafka's clients refuse too) leaves it to the task's start.
    expect(() => checkSecurityAsKafka(msk)).not.toThrow();
  });
});
