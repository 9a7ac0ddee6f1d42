/**
 * Class names in a Kafka client's config: what Connect's JVM would load for them. A CLASS key's
 * value (`partitioner.class`, `key.serializer`, `sasl.login.class`, …) is loaded when it is parsed
 * (`ConfigDef.parseType`), so a name Connect cannot load fails config validation and creation
 * (`Invalid value … for configuration partitioner.class: Class … could not be found.`). A LIST of
 * class names (`interceptor.classes`, `partition.assignment.strategy`) parses as any list and is
 * loaded only when the task's client is built, which then fails (`Failed to construct kafka producer`).
 *
 * The gateway runs no JVM: the classes it takes as loadable are Apache Kafka 4.3.1's client classes
 * these keys name (kafka-clients' serializers, deserializers, partitioner, assignors and security
 * plug-ins). Connect would also load any other class on its class path (a class of the JDK, of
 * Connect itself, of a plugin): such a name is refused here, as a class Connect could not find.
 * The gateway's own clients honour none of these classes but the assignors' and partitioner's
 * defaults; a loadable name is accepted as Connect accepts it, and fails when the client is built
 * where Java's would (an interface, an abstract class, a class of the wrong type).
 */

import { javaTrim } from "../api/data/java-text.ts";
import { ConfigError, JavaException, KafkaError } from "../errors.ts";
import { invalidValueError } from "../util/invalid-value.ts";

const SERDES = ["ByteArray", "ByteBuffer", "Bytes", "Boolean", "Double", "Float", "Integer", "List", "Long"]
  .concat(["Short", "String", "UUID", "Void"])
  .flatMap((t) => [`${t}Serializer`, `${t}Deserializer`])
  .map((c) => `org.apache.kafka.common.serialization.${c}`);

const ASSIGNORS = ["RangeAssignor", "RoundRobinAssignor", "StickyAssignor", "CooperativeStickyAssignor"].map(
  (c) => `org.apache.kafka.clients.consumer.${c}`,
);

const SECURITY = [
  "auth.AuthenticateCallbackHandler",
  "auth.Login",
  "auth.SslEngineFactory",
  "authenticator.AbstractLogin",
  "authenticator.AbstractLogin$DefaultLoginCallbackHandler",
  "authenticator.DefaultLogin",
  "authenticator.SaslClientCallbackHandler",
  "authenticator.SaslServerCallbackHandler",
  "kerberos.KerberosClientCallbackHandler",
  "kerberos.KerberosLogin",
  "oauthbearer.BrokerJwtValidator",
  "oauthbearer.ClientCredentialsJwtRetriever",
  "oauthbearer.ClientJwtValidator",
  "oauthbearer.DefaultJwtRetriever",
  "oauthbearer.DefaultJwtValidator",
  "oauthbearer.FileJwtRetriever",
  "oauthbearer.JwtBearerJwtRetriever",
  "oauthbearer.JwtRetriever",
  "oauthbearer.JwtValidator",
  "oauthbearer.OAuthBearerLoginCallbackHandler",
  "oauthbearer.OAuthBearerValidatorCallbackHandler",
  "ssl.CommonNameLoggingSslEngineFactory",
  "ssl.DefaultSslEngineFactory",
].map((c) => `org.apache.kafka.common.security.${c}`);

const LOADABLE: ReadonlySet<string> = new Set([
  ...SERDES,
  ...ASSIGNORS,
  ...SECURITY,
  "org.apache.kafka.clients.consumer.ConsumerPartitionAssignor",
  "org.apache.kafka.clients.producer.Partitioner",
  "org.apache.kafka.clients.producer.RoundRobinPartitioner",
]);

// Of LOADABLE: the interfaces and the abstract class (javap of kafka-clients 4.3.1); the others are
// concrete classes with a public no-argument constructor.
const INTERFACES: ReadonlySet<string> = new Set([
  "org.apache.kafka.clients.consumer.ConsumerPartitionAssignor",
  "org.apache.kafka.clients.producer.Partitioner",
  ...["auth.AuthenticateCallbackHandler", "auth.Login", "auth.SslEngineFactory"].map(
    (c) => `org.apache.kafka.common.security.${c}`,
  ),
  ...["oauthbearer.JwtRetriever", "oauthbearer.JwtValidator"].map((c) => `org.apache.kafka.common.security.${c}`),
]);
const ABSTRACT_CLASSES: ReadonlySet<string> = new Set(["org.apache.kafka.common.security.authenticator.AbstractLogin"]);

/** Whether `name` is one of Apache Kafka's consumer assignors (which the gateway's consumer honours). */
export function isKafkaAssignor(name: string): boolean {
  return ASSIGNORS.includes(name);
}

/** Whether Connect's JVM loads the class `name` (of those the gateway knows, see above). */
export function isLoadableClientClass(name: string): boolean {
  return LOADABLE.has(name);
}

/**
 * A CLASS key's value as ConfigDef.parseType gives it: the trimmed name of a loadable class; throws
 * Connect's ConfigException (the value as given, untrimmed, in both places) for any other name.
 */
export function parseClientClass(key: string, value: string): string {
  const name = javaTrim(value);
  if (isLoadableClientClass(name)) return name;
  throw invalidValueError(key, value, `Class ${value} could not be found.`);
}

/** The CLASS keys of each client's config (ProducerConfig, ConsumerConfig, AdminClientConfig 4.3.1). */
const SECURITY_CLASS_KEYS = [
  "ssl.engine.factory.class",
  "sasl.client.callback.handler.class",
  "sasl.login.callback.handler.class",
  "sasl.login.class",
  "sasl.oauthbearer.jwt.retriever.class",
  "sasl.oauthbearer.jwt.validator.class",
];
export const CLIENT_CLASS_KEYS: Readonly<Record<"producer" | "consumer" | "admin", readonly string[]>> = {
  producer: ["key.serializer", "value.serializer", "partitioner.class", ...SECURITY_CLASS_KEYS],
  consumer: ["key.deserializer", "value.deserializer", ...SECURITY_CLASS_KEYS],
  admin: SECURITY_CLASS_KEYS,
};

const LIST_KEYS = ["interceptor.classes", "partition.assignment.strategy"];

/** A class list as ConfigDef parses it: none for a blank value, else the trimmed comma-separated names. */
export function classNames(value: string | undefined): string[] {
  const trimmed = javaTrim(value ?? "");
  return trimmed === "" ? [] : trimmed.split(",").map((s) => javaTrim(s));
}

/**
 * Checks a client's properties as its config class (ProducerConfig, …) parses them, which Java's
 * client constructors do first: a CLASS key naming a class Connect cannot load throws parseClientClass's
 * ConfigException; a class list with an empty entry (`a, ,b`, `,`) throws its ValidList validator's
 * (`Configuration 'interceptor.classes' values must not be empty.`, checked against kafka-clients
 * 4.3.1). Called at task start for each client of the task and at worker start for the worker's settings.
 */
export function checkClientConfigValues(
  type: "producer" | "consumer" | "admin",
  props: Readonly<Record<string, string>>,
): void {
  for (const key of CLIENT_CLASS_KEYS[type]) {
    const value = props[key];
    if (value !== undefined) parseClientClass(key, value);
  }
  if (type === "admin") return;
  for (const key of LIST_KEYS) {
    if (key === "partition.assignment.strategy" && type !== "consumer") continue;
    if (classNames(props[key]).includes("")) {
      const message = `Configuration '${key}' values must not be empty.`;
      throw new ConfigError(message, new Map([[key, [message]]]));
    }
  }
}

/**
 * Why Java's `Utils.newInstance(Class)` then the `instanceof` check of AbstractConfig.getConfiguredInstance
 * (and ConsumerPartitionAssignor.getAssignorInstances) fail for the loadable class `name` that must be
 * a `type`; undefined for one that is. Messages from kafka-clients 4.3.1 (run against the jar): an
 * interface has no constructor, an abstract class cannot be instantiated, another class is concatenated
 * as a Class (`class X is not an instance of T`).
 */
function instantiationFailure(name: string, type: string, instances: readonly string[]): string | undefined {
  if (instances.includes(name)) return undefined;
  if (INTERFACES.has(name)) return `Could not find a public no-argument constructor for ${name}`;
  if (ABSTRACT_CLASSES.has(name)) return `Could not instantiate class ${name}`;
  return `class ${name} is not an instance of ${type}`;
}

const SERIALIZERS = SERDES.filter((c) => c.endsWith("Serializer"));
const DESERIALIZERS = SERDES.filter((c) => c.endsWith("Deserializer"));

/** The classes Java's client constructor instantiates, in its order, each with its type and instances. */
function instantiated(type: "producer" | "consumer", props: Readonly<Record<string, string>>) {
  const one = (key: string, iface: string, instances: readonly string[]) => {
    const value = props[key];
    return value === undefined ? [] : [{ name: javaTrim(value), iface, instances }];
  };
  if (type === "producer") {
    const serializer = "org.apache.kafka.common.serialization.Serializer";
    return [
      ...one("partitioner.class", "org.apache.kafka.clients.producer.Partitioner", [
        "org.apache.kafka.clients.producer.RoundRobinPartitioner",
      ]),
      ...one("key.serializer", serializer, SERIALIZERS),
      ...one("value.serializer", serializer, SERIALIZERS),
    ];
  }
  const deserializer = "org.apache.kafka.common.serialization.Deserializer";
  return [
    ...one("key.deserializer", deserializer, DESERIALIZERS),
    ...one("value.deserializer", deserializer, DESERIALIZERS),
  ];
}

/**
 * Checks a producer's or consumer's properties as Java's KafkaProducer and KafkaConsumer constructors
 * do: first their config's parse (checkClientConfigValues, ConfigError), then the classes they load,
 * throwing their KafkaException (`Failed to construct kafka producer`, caused by the first class that
 * fails; the order and every message checked against kafka-clients 4.3.1: a producer's partitioner,
 * serializers, then interceptors; a consumer's interceptors, deserializers, then assignors). No
 * consumer's group.id left empty by the trim fails first (InvalidGroupIdException). No
 * interceptor runs in the gateway's clients, so every `interceptor.classes` name fails: an unknown
 * one cannot be found, a loadable one is none (`Utils.newInstance(String, Class)`'s `asSubclass`
 * throws `java.lang.ClassCastException: class X`, or `interface X`). A Kafka assignor in
 * `partition.assignment.strategy` is accepted (the gateway's consumer assigns as its own protocol
 * does), another name cannot be found or is no assignor.
 */
export function checkClientClasses(type: "producer" | "consumer", props: Readonly<Record<string, string>>): void {
  checkClientConfigValues(type, props);
  const interceptorFailure = (): Error | undefined => {
    const name = classNames(props["interceptor.classes"])[0];
    if (name === undefined) return undefined;
    if (!isLoadableClientClass(name)) return new KafkaError(`Class ${name} cannot be found`);
    // asSubclass(ProducerInterceptor or ConsumerInterceptor) fails before anything is instantiated.
    return new JavaException("java.lang.ClassCastException", `${INTERFACES.has(name) ? "interface" : "class"} ${name}`);
  };
  const classFailure = (): Error | undefined => {
    for (const c of instantiated(type, props)) {
      const failure = instantiationFailure(c.name, c.iface, c.instances);
      if (failure !== undefined) return new KafkaError(failure);
    }
    return undefined;
  };
  const assignorFailure = (): Error | undefined => {
    for (const name of classNames(props["partition.assignment.strategy"])) {
      if (!isLoadableClientClass(name)) return new KafkaError(`${name} ClassNotFoundException exception occurred`);
      const failure = instantiationFailure(
        name,
        "org.apache.kafka.clients.consumer.ConsumerPartitionAssignor",
        ASSIGNORS,
      );
      if (failure !== undefined) return new KafkaError(failure);
    }
    return undefined;
  };
  // ClassicKafkaConsumer's first check: a group.id that ConfigDef's trim leaves empty (` `, as a
  // `consumer.override.group.id` may give it; found by the tenth REST hunt).
  const groupIdFailure = (): Error | undefined =>
    props["group.id"] !== undefined && javaTrim(props["group.id"]) === ""
      ? new JavaException(
          "org.apache.kafka.common.errors.InvalidGroupIdException",
          "The configured group.id should not be an empty string or whitespace.",
        )
      : undefined;
  const cause =
    type === "producer"
      ? (classFailure() ?? interceptorFailure())
      : (groupIdFailure() ?? interceptorFailure() ?? classFailure() ?? assignorFailure());
  if (cause !== undefined) throw new KafkaError(`Failed to construct kafka ${type}`, { cause });
}
