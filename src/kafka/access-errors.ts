/**
 * Kafka's authentication and authorization failures, as Java's clients throw them: a wrong SASL
 * password, a mechanism the broker has not enabled, an ACL that denies the topic, group or
 * cluster. Java's clients treat them as fatal (AuthenticationException, AuthorizationException:
 * never retried), so Connect fails the task at the first poll or send that gets one, with that
 * exception in its trace. Both adapters' error mapping (`kafkajs/errors.ts`,
 * `platformatic/errors.ts`) find the protocol error in their library's error and call
 * `accessFailure`, so the runtime sees a non-retriable ConnectError whose trace starts with Java's
 * class name. A TLS handshake the client refuses (a broker certificate its trust store does not
 * trust, a host name it does not name, a chain that breaks X.509's rules: tls/verify-codes.ts) is
 * Java's SslAuthenticationException, an AuthenticationException: fatal too (`tlsFailure`).
 */
import { ConnectError } from "../errors.ts";
import { brokenRule, isVerifyFailure, verifierText, verifyFailureOf } from "../tls/verify-codes.ts";
import { javaExceptionClass } from "./kafka-exception-classes.ts";
import { kafkaErrorOf, withKafkaError } from "./send-rejection.ts";

/** The protocol errors (by name) that are authentication or authorization failures. */
const ACCESS_ERRORS: ReadonlySet<string> = new Set([
  "SASL_AUTHENTICATION_FAILED",
  "UNSUPPORTED_SASL_MECHANISM",
  "ILLEGAL_SASL_STATE",
  "TOPIC_AUTHORIZATION_FAILED",
  "GROUP_AUTHORIZATION_FAILED",
  "CLUSTER_AUTHORIZATION_FAILED",
  "TRANSACTIONAL_ID_AUTHORIZATION_FAILED",
]);

const SSL_AUTHENTICATION = "org.apache.kafka.common.errors.SslAuthenticationException";

/** True for the Kafka protocol errors (by name) that are authentication or authorization failures. */
export function isAccessError(kafkaError: string | undefined): boolean {
  return kafkaError !== undefined && ACCESS_ERRORS.has(kafkaError);
}

/**
 * An authentication or authorization failure: never retriable, its trace names Java's exception.
 * `unauthorizedTopics`: the topics a produce refused with TOPIC_AUTHORIZATION_FAILED was for, when
 * the adapter knows them (Java's TopicAuthorizationException.unauthorizedTopics).
 */
export class KafkaAccessError extends ConnectError {
  override readonly javaClass: string;
  override name = "KafkaAccessError";
  readonly unauthorizedTopics: readonly string[] | undefined;
  /** The failed TLS handshake's code (isTlsFailureCode) when this is one (Java's SslAuthenticationException). */
  readonly tlsCode: string | undefined;
  /** With tlsCode: OpenSSL's fixed reason for it (verifierText), when the error gave one. */
  readonly tlsText: string | undefined;
  constructor(
    kafkaError: string,
    message: string,
    options?: ErrorOptions & {
      javaClass?: string;
      unauthorizedTopics?: readonly string[];
      tlsCode?: string;
      tlsText?: string;
    },
  ) {
    super(message, options);
    this.javaClass =
      options?.javaClass ??
      (isAccessError(kafkaError)
        ? javaExceptionClass(kafkaError)
        : "org.apache.kafka.common.errors.AuthenticationException");
    this.unauthorizedTopics = options?.unauthorizedTopics;
    this.tlsCode = options?.tlsCode;
    this.tlsText = options?.tlsText;
  }
}

/**
 * `error` as a TOPIC_AUTHORIZATION_FAILED refusal naming `topic` (or each of `topic`) as unauthorized; other access
 * errors as they are.
 */
export function withUnauthorizedTopic(error: KafkaAccessError, topic: string | readonly string[]): KafkaAccessError {
  if (kafkaErrorOf(error) !== "TOPIC_AUTHORIZATION_FAILED") return error;
  const named = new KafkaAccessError("TOPIC_AUTHORIZATION_FAILED", error.message, {
    cause: error.cause,
    javaClass: error.javaClass,
    unauthorizedTopics: typeof topic === "string" ? [topic] : topic,
  });
  return withKafkaError(named, "TOPIC_AUTHORIZATION_FAILED");
}

/** The topics a KafkaAccessError in `error` or its causes names as unauthorized, if one does. */
export function unauthorizedTopicsOf(error: unknown): readonly string[] | undefined {
  let e = error;
  for (let depth = 0; depth < 8 && e instanceof Error; depth++) {
    if (e instanceof KafkaAccessError && e.unauthorizedTopics) return e.unauthorizedTopics;
    e = e.cause;
  }
  return undefined;
}

/**
 * The failure of `what` (e.g. "Failed to connect the producer") because the broker answered
 * `kafkaError` with `detail` (the broker's own message when it sent one; it never holds a
 * password: the broker does not echo credentials), keeping the library's error as the cause.
 */
export function accessFailure(what: string, kafkaError: string, detail: string, cause: unknown): KafkaAccessError {
  return withKafkaError(new KafkaAccessError(kafkaError, `${what}: ${detail}`, { cause }), kafkaError);
}

/**
 * A TLS handshake that failed on certificate grounds: our verification of the broker's certificate
 * (tls/verify-codes.ts: a chain the trust store does not reach, an issuer that is no CA, an expired
 * certificate, a host name it does not name …), a peer's alert about our own certificate
 * (ERR_SSL_…ALERT…); or a peer that answered the handshake with bytes that are no TLS
 * (ERR_SSL_WRONG_VERSION_NUMBER: Java's "Unrecognized SSL message", an SslAuthenticationException
 * too). Retrying cannot cure any of them.
 */
const TLS_ALERT_OR_NOT_TLS = /^(ERR_SSL_\w*ALERT\w*|ERR_SSL_WRONG_VERSION_NUMBER)$/;
function isTlsFailureCode(code: string): boolean {
  return isVerifyFailure(code) || TLS_ALERT_OR_NOT_TLS.test(code);
}

/**
 * The broker's alert about the client's certificate: none sent to a listener with
 * ssl.client.auth=required (Java's broker answers bad_certificate, BoringSSL's servers
 * certificate_required), or one its trust store does not reach (unknown_ca, certificate_unknown).
 */
const PEER_REFUSED_CERTIFICATE = /ALERT_(BAD_CERTIFICATE|CERTIFICATE_REQUIRED|UNKNOWN_CA|CERTIFICATE_UNKNOWN)$/;
const REFUSED = "; the broker refused the client's certificate: ";
const REFUSED_HINT = `${REFUSED}its listener requires one (ssl.client.auth=required) signed by a CA it trusts; configure the key store (ssl.keystore.*)`;

const NOT_TLS = "ERR_SSL_WRONG_VERSION_NUMBER";
const NOT_TLS_HINT =
  "; the broker did not answer in TLS: its listener may not be TLS (security.protocol=SSL against a PLAINTEXT listener)";

/** What the operator is told beside the code: why the broker refused, or why its answer was no TLS. */
function hintFor(code: string): string {
  if (code === NOT_TLS) return NOT_TLS_HINT;
  return PEER_REFUSED_CERTIFICATE.test(code) ? REFUSED_HINT : "";
}

/** The first failed TLS handshake (isTlsFailureCode) in the error, its causes and aggregated errors. */
function tlsFailureIn(error: unknown, depth = 0): { code: string; message: string } | undefined {
  if (depth > 12 || error === null || typeof error !== "object") return undefined;
  const e = error as { code?: unknown; message?: unknown; errors?: unknown; cause?: unknown };
  if (typeof e.code === "string" && isTlsFailureCode(e.code)) return { code: e.code, message: String(e.message) };
  for (const inner of [...(Array.isArray(e.errors) ? e.errors : []), ...(e.cause !== error ? [e.cause] : [])]) {
    const found = tlsFailureIn(inner, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/**
 * The failure of `what` as Java's SslAuthenticationException when a failed TLS handshake (isTlsFailureCode) is
 * anywhere in `error` (kafkajs keeps the socket's code on its connection error; @platformatic/kafka
 * keeps the socket's error as the cause of its network error), else undefined. A client without TLS
 * answered in TLS is no such failure: a retriable lost connection, as Java's (scripts/patch-dependencies.mjs).
 */
export function tlsFailure(what: string, error: unknown): KafkaAccessError | undefined {
  const found = tlsFailureIn(error);
  if (found === undefined) return undefined;
  return new KafkaAccessError(
    "",
    `${what}: SSL handshake failed (${found.code}: ${found.message})${hintFor(found.code)}`,
    { cause: error, javaClass: SSL_AUTHENTICATION, tlsCode: found.code, tlsText: verifierText(found.message) },
  );
}

/** The broker's alerts about the worker's certificate: PEER_REFUSED_CERTIFICATE, or one it found expired, revoked, denied. */
const PEER_REFUSED_WORKER_CERTIFICATE =
  /ALERT_(CERTIFICATE_EXPIRED|CERTIFICATE_REVOKED|UNSUPPORTED_CERTIFICATE|ACCESS_DENIED)$/;
const AUTHENTICATION_ERRORS: ReadonlySet<string> = new Set([
  "SASL_AUTHENTICATION_FAILED",
  "UNSUPPORTED_SASL_MECHANISM",
  "ILLEGAL_SASL_STATE",
]);

/**
 * Why the TLS handshake that failed with `code` failed, as the stop says it (never certificate contents;
 * `text`: OpenSSL's fixed reason, naming the rule node:tls's UNSPECIFIED does not).
 */
function tlsReason(code: string, text: string | undefined): string {
  if (code === NOT_TLS) return "Kafka did not answer the worker in TLS";
  if (PEER_REFUSED_CERTIFICATE.test(code) || PEER_REFUSED_WORKER_CERTIFICATE.test(code))
    return "Kafka refused the worker's certificate";
  switch (verifyFailureOf(code)) {
    case "wrong-host":
      return "Kafka's certificate does not name the host the worker connected to";
    case "out-of-date":
      return "Kafka's certificate has expired or is not yet valid";
    case "untrusted":
      return "Kafka's certificate is not trusted by the worker's trust store";
    case "revocation": // not expected: the Kafka clients have no CRL setting, so no revocation is checked
      return `Kafka's certificate is revoked or its revocation could not be checked (${code})`;
    case "invalid-chain":
      return `Kafka's certificate chain is invalid (${brokenRule(code, text)})`;
    default:
      return `the TLS handshake with Kafka failed (${code})`;
  }
}

/** The first KafkaAccessError in `error` or its causes. */
function accessErrorIn(error: unknown): KafkaAccessError | undefined {
  let e = error;
  for (let depth = 0; depth < 8 && e instanceof Error; depth++) {
    if (e instanceof KafkaAccessError) return e;
    e = e.cause;
  }
  return undefined;
}

/**
 * Why Kafka refused the worker, as the stop it causes says it (main.ts), read off the refusal in
 * hand (`error`, KafkaReachability's onRefused) as the adapters classified it: a TLS handshake the
 * worker failed (SslAuthenticationException), by its code; else the credentials (a SASL failure) or
 * the access (an authorization failure, named) the broker refused.
 */
export function refusalReason(error: unknown): string {
  const refusal = accessErrorIn(error);
  if (refusal?.javaClass === SSL_AUTHENTICATION && refusal.tlsCode !== undefined)
    return tlsReason(refusal.tlsCode, refusal.tlsText);
  const kafkaError = kafkaErrorOf(refusal ?? error);
  if (kafkaError !== undefined && AUTHENTICATION_ERRORS.has(kafkaError))
    return "Kafka refused the worker's credentials";
  if (kafkaError !== undefined && ACCESS_ERRORS.has(kafkaError))
    return `Kafka denied the worker access (${kafkaError})`;
  return "Kafka refused the worker's credentials or access";
}

/**
 * `error` with the hint of each broker refusal of the client's certificate in it (or its causes)
 * replaced by `problem()` (`the key store's certificate CN=… expired on …`) when it gives one: the
 * generic hint sends the operator to configure a key store that is configured. `problem` is asked
 * only when such a refusal is there. The errors are changed in place (their class, Kafka error and
 * causes stay what the runtime decides on).
 */
export function withCertificateProblem(error: unknown, problem: () => string | undefined): unknown {
  let found: string | undefined;
  let e = error;
  for (let depth = 0; depth < 8 && e instanceof Error; depth++) {
    if (e instanceof KafkaAccessError && e.message.endsWith(REFUSED_HINT)) {
      found ??= problem();
      if (found === undefined) return error;
      e.message = `${e.message.slice(0, -REFUSED_HINT.length)}${REFUSED}${found}`;
    }
    e = e.cause;
  }
  return error;
}
