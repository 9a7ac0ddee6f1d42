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
 * defaults; a loadable name is accepted as Connect accepts it.
 */

import { javaTrim } from "../api/data/java-text.ts";
import { ConfigError, KafkaError } from "../errors.ts";

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
  const message = `Invalid value ${value} for configuration ${key}: Class ${value} could not be found.`;
  throw new ConfigError(message, new Map([[key, [message]]]));
}

function classNames(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((s) => javaTrim(s))
    .filter((s) => s !== "");
}

/**
 * Checks the class lists of a producer's or consumer's properties as Java's KafkaProducer and
 * KafkaConsumer constructors load them, and throws their KafkaException (`Failed to construct kafka
 * producer`, caused by the first class that fails). No interceptor runs in the gateway's clients, so
 * every `interceptor.classes` name fails: an unknown one cannot be found, a known one is none
 * (`… is not an instance of …ProducerInterceptor`). A Kafka assignor in `partition.assignment.strategy`
 * is accepted (the gateway's consumer assigns as its own protocol does), another name cannot be found.
 */
export function checkClientClasses(type: "producer" | "consumer", props: Readonly<Record<string, string>>): void {
  const interceptor = `org.apache.kafka.clients.${type}.${type === "producer" ? "Producer" : "Consumer"}Interceptor`;
  let cause: KafkaError | undefined;
  for (const name of classNames(props["interceptor.classes"])) {
    cause ??= new KafkaError(
      isLoadableClientClass(name) ? `${name} is not an instance of ${interceptor}` : `Class ${name} cannot be found`,
    );
  }
  if (type === "consumer" && cause === undefined) {
    for (const name of classNames(props["partition.assignment.strategy"])) {
      if (ASSIGNORS.includes(name)) continue;
      cause ??= new KafkaError(
        isLoadableClientClass(name)
          ? `${name} is not an instance of org.apache.kafka.clients.consumer.ConsumerPartitionAssignor`
          : `${name} ClassNotFoundException exception occurred`,
      );
    }
  }
  if (cause !== undefined) throw new KafkaError(`Failed to construct kafka ${type}`, { cause });
}
