/**
 * The Java exception class Kafka's clients throw for a protocol error (org.apache.kafka.common.protocol
 * .Errors: each error code's exception), so a status trace names a broker's refusal as a Connect
 * user sees it (`org.apache.kafka.common.errors.InvalidTopicException: …`). Most follow the error's
 * name (INVALID_TOPIC_EXCEPTION → InvalidTopicException, NOT_LEADER_OR_FOLLOWER →
 * NotLeaderOrFollowerException); the others are listed, checked against kafka-clients 4.3.1's classes.
 * Used by the Kafka adapters' error mapping (`kafkajs/errors.ts`, `platformatic/errors.ts`, access-errors.ts),
 * so both clients give a refusal the same trace line.
 */
import { ConnectError, JavaException } from "../errors.ts";
import { findInError } from "../util/find-in-error.ts";
import { kafkaErrorOf, withKafkaError } from "./send-rejection.ts";

const ERRORS = "org.apache.kafka.common.errors.";

const NAMED: Readonly<Record<string, string>> = {
  CORRUPT_MESSAGE: `${ERRORS}CorruptRecordException`,
  REQUEST_TIMED_OUT: `${ERRORS}TimeoutException`,
  MESSAGE_TOO_LARGE: `${ERRORS}RecordTooLargeException`,
  STALE_CONTROLLER_EPOCH: `${ERRORS}ControllerMovedException`,
  OFFSET_METADATA_TOO_LARGE: `${ERRORS}OffsetMetadataTooLarge`,
  RECORD_LIST_TOO_LARGE: `${ERRORS}RecordBatchTooLargeException`,
  TOPIC_AUTHORIZATION_FAILED: `${ERRORS}TopicAuthorizationException`,
  GROUP_AUTHORIZATION_FAILED: `${ERRORS}GroupAuthorizationException`,
  CLUSTER_AUTHORIZATION_FAILED: `${ERRORS}ClusterAuthorizationException`,
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: `${ERRORS}TransactionalIdAuthorizationException`,
  DELEGATION_TOKEN_AUTHORIZATION_FAILED: `${ERRORS}DelegationTokenAuthorizationException`,
  SASL_AUTHENTICATION_FAILED: `${ERRORS}SaslAuthenticationException`,
  TOPIC_ALREADY_EXISTS: `${ERRORS}TopicExistsException`,
  INVALID_CONFIG: `${ERRORS}InvalidConfigurationException`,
  OUT_OF_ORDER_SEQUENCE_NUMBER: `${ERRORS}OutOfOrderSequenceException`,
  DUPLICATE_SEQUENCE_NUMBER: `${ERRORS}DuplicateSequenceException`,
  INVALID_PRODUCER_ID_MAPPING: `${ERRORS}InvalidPidMappingException`,
  INVALID_TRANSACTION_TIMEOUT: `${ERRORS}InvalidTxnTimeoutException`,
  KAFKA_STORAGE_ERROR: `${ERRORS}KafkaStorageException`,
  DELEGATION_TOKEN_AUTH_DISABLED: `${ERRORS}DelegationTokenDisabledException`,
  DELEGATION_TOKEN_REQUEST_NOT_ALLOWED: `${ERRORS}UnsupportedByAuthenticationException`,
  NON_EMPTY_GROUP: `${ERRORS}GroupNotEmptyException`,
  INVALID_RECORD: "org.apache.kafka.common.InvalidRecordException",
  PRINCIPAL_DESERIALIZATION_FAILURE: `${ERRORS}PrincipalDeserializationException`,
  FETCH_SESSION_TOPIC_ID_ERROR: `${ERRORS}FetchSessionTopicIdException`,
  UNKNOWN_SERVER_ERROR: `${ERRORS}UnknownServerException`,
};

/** The Java exception class of the Kafka protocol error named `kafkaError` (e.g. INVALID_TOPIC_EXCEPTION). */
export function javaExceptionClass(kafkaError: string): string {
  const named = NAMED[kafkaError];
  if (named !== undefined) return named;
  const words = kafkaError
    .replace(/_EXCEPTION$/, "")
    .toLowerCase()
    .split("_");
  return `${ERRORS}${words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join("")}Exception`;
}

/**
 * The failure `message` of a request the broker refused with `kafkaError`, no retry curing it: Java's
 * exception for it with `detail` (Kafka's message, or the broker's own) sits between the failure and
 * the client library's error `cause`, as a Connect trace shows it (`Caused by: org.apache.kafka.common
 * .errors.InvalidTopicException: …`); the failure is marked with the error's name (kafkaErrorOf).
 */
export function brokerRefusal(message: string, kafkaError: string, detail: string, cause: unknown): ConnectError {
  return withKafkaError(new ConnectError(message, { cause: javaExceptionFor(kafkaError, detail, cause) }), kafkaError);
}

/** Java's exception for the Kafka protocol error `kafkaError`, with `detail` as its message, over `cause`. */
export function javaExceptionFor(kafkaError: string, detail: string, cause: unknown): JavaException {
  const named = new JavaException(javaExceptionClass(kafkaError), detail);
  named.cause = cause;
  return named;
}

/**
 * The exception Java's producer fails a send with for the broker's refusal in `error` (the one
 * brokerRefusal, or an access failure, put in its causes): its class and message without the client
 * library's errors under it, as a Java future's `get()` throws it inside an ExecutionException
 * (Connect's trace of a dead letter queue write Kafka refused ends with it). Undefined when `error`
 * holds no broker's refusal named as Java's exception.
 */
export function kafkaExceptionOf(error: unknown): JavaException | undefined {
  const kafkaError = kafkaErrorOf(error);
  if (kafkaError === undefined) return undefined;
  const named = javaExceptionClass(kafkaError);
  return findInError(error, (e: { javaClass?: unknown; message?: unknown; unauthorizedTopics?: unknown }) =>
    e instanceof ConnectError && e.javaClass === named ? new JavaException(named, javaMessage(e)) : undefined,
  );
}

/**
 * The message of Java's exception for `e`: a TOPIC_AUTHORIZATION_FAILED naming its topics (a KafkaAccessError's
 * `unauthorizedTopics`, access-errors.ts) says what Java's TopicAuthorizationException built from them says
 * (`Not authorized to access topics: [dlq]`, as Java's producer builds it for a refused send); others `e`'s own.
 */
function javaMessage(e: ConnectError & { unauthorizedTopics?: unknown }): string {
  const topics = e.unauthorizedTopics;
  if (!Array.isArray(topics) || topics.length === 0) return e.message;
  return `Not authorized to access topics: [${topics.join(", ")}]`;
}
