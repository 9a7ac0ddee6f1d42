/**
 * Kafka's authentication and authorization failures, as Java's clients throw them: a wrong SASL
 * password, a mechanism the broker has not enabled, an ACL that denies the topic, group or
 * cluster. Java's clients treat them as fatal (AuthenticationException, AuthorizationException:
 * never retried), so Connect fails the task at the first poll or send that gets one, with that
 * exception in its trace. Both adapters' error mapping (`kafkajs/errors.ts`,
 * `platformatic/errors.ts`) find the protocol error in their library's error and call
 * `accessFailure`, so the runtime sees a non-retriable ConnectError whose trace starts with Java's
 * class name.
 */
import { ConnectError } from "../errors.ts";
import { withKafkaError } from "./kafka-port.ts";

const JAVA_CLASSES: Readonly<Record<string, string>> = {
  SASL_AUTHENTICATION_FAILED: "org.apache.kafka.common.errors.SaslAuthenticationException",
  UNSUPPORTED_SASL_MECHANISM: "org.apache.kafka.common.errors.UnsupportedSaslMechanismException",
  ILLEGAL_SASL_STATE: "org.apache.kafka.common.errors.IllegalSaslStateException",
  TOPIC_AUTHORIZATION_FAILED: "org.apache.kafka.common.errors.TopicAuthorizationException",
  GROUP_AUTHORIZATION_FAILED: "org.apache.kafka.common.errors.GroupAuthorizationException",
  CLUSTER_AUTHORIZATION_FAILED: "org.apache.kafka.common.errors.ClusterAuthorizationException",
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: "org.apache.kafka.common.errors.TransactionalIdAuthorizationException",
};

/** True for the Kafka protocol errors (by name) that are authentication or authorization failures. */
export function isAccessError(kafkaError: string | undefined): boolean {
  return kafkaError !== undefined && Object.hasOwn(JAVA_CLASSES, kafkaError);
}

/** An authentication or authorization failure: never retriable, its trace names Java's exception. */
export class KafkaAccessError extends ConnectError {
  override readonly javaClass: string;
  override name = "KafkaAccessError";
  constructor(kafkaError: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.javaClass = JAVA_CLASSES[kafkaError] ?? "org.apache.kafka.common.errors.AuthenticationException";
  }
}

/**
 * The failure of `what` (e.g. "Failed to connect the producer") because the broker answered
 * `kafkaError` with `detail` (the broker's own message when it sent one; it never holds a
 * password: the broker does not echo credentials), keeping the library's error as the cause.
 */
export function accessFailure(what: string, kafkaError: string, detail: string, cause: unknown): KafkaAccessError {
  return withKafkaError(new KafkaAccessError(kafkaError, `${what}: ${detail}`, { cause }), kafkaError);
}
