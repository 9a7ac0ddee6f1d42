/**
 * The gateway's error vocabulary. Every layer throws these; `rest/error-mapping.ts` is the one
 * place that turns them into HTTP statuses and Connect's `{"error_code", "message"}` bodies.
 *
 * `javaClass` is the Apache Kafka Connect exception class a Connect user would see for the same
 * condition: status traces start with it (`org.apache.kafka.connect.errors.ConnectException: …`),
 * so tools that grep traces keep working.
 */

export class ConnectError extends Error {
  readonly javaClass: string = "org.apache.kafka.connect.errors.ConnectException";
  override name = "ConnectError";
}

/** A failure that may succeed when retried (Connect's RetriableException). */
export class RetriableError extends ConnectError {
  override readonly javaClass: string = "org.apache.kafka.connect.errors.RetriableException";
  override name = "RetriableError";
}

/** A record that cannot be converted or does not fit its schema (Connect's DataException). */
export class DataError extends ConnectError {
  override readonly javaClass: string = "org.apache.kafka.connect.errors.DataException";
  override name = "DataError";
}

/** A schema that cannot be built (Connect's SchemaBuilderException, a DataException). */
export class SchemaBuilderError extends DataError {
  override readonly javaClass: string = "org.apache.kafka.connect.errors.SchemaBuilderException";
  override name = "SchemaBuilderError";
}

/** Invalid configuration. `errors` maps a key to its messages when the failure is per key. */
export class ConfigError extends ConnectError {
  override readonly javaClass: string = "org.apache.kafka.common.config.ConfigException";
  override name = "ConfigError";
  constructor(
    message: string,
    readonly errors: ReadonlyMap<string, readonly string[]> = new Map(),
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export class NotFoundError extends ConnectError {
  override readonly javaClass: string = "org.apache.kafka.connect.errors.NotFoundException";
  override name = "NotFoundError";
}

export class AlreadyExistsError extends ConnectError {
  override readonly javaClass: string = "org.apache.kafka.connect.errors.AlreadyExistsException";
  override name = "AlreadyExistsError";
}

/** A request the REST layer must answer with a specific status (Connect's ConnectRestException). */
export class RestError extends ConnectError {
  override readonly javaClass: string = "org.apache.kafka.connect.runtime.rest.errors.ConnectRestException";
  override name = "RestError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class BadRequestError extends RestError {
  override readonly javaClass: string = "org.apache.kafka.connect.runtime.rest.errors.BadRequestException";
  override name = "BadRequestError";
  constructor(message: string) {
    super(400, message);
  }
}

/**
 * A request this worker can neither handle nor forward: Connect's NotAssignedException, a RequestTargetException
 * whose leader URL is unknown (a task its connector had, assigned to no worker). The REST layer answers it as
 * Connect's request handler does, by the request's `forward` flag (rest/complete-or-forward.ts).
 */
export class NotAssignedError extends ConnectError {
  override readonly javaClass: string = "org.apache.kafka.connect.runtime.distributed.NotAssignedException";
  override name = "NotAssignedError";
}

/** An operation the connector does not support (Java's UnsupportedOperationException). */
export class UnsupportedOperationError extends ConnectError {
  override readonly javaClass: string = "java.lang.UnsupportedOperationException";
  override name = "UnsupportedOperationError";
}

/** A Kafka client failure, as Java's clients throw it (their KafkaException), e.g. a client that cannot be built. */
export class KafkaError extends ConnectError {
  override readonly javaClass: string = "org.apache.kafka.common.KafkaException";
  override name = "KafkaError";
}

/** A Java exception of the JDK's, as Connect shows it in a trace (`java.lang.ClassCastException: class …`). */
export class JavaException extends ConnectError {
  override readonly javaClass: string;
  /** `message` is "" for Java's null message; `options.cause` is the exception it wraps, shown as `Caused by:`. */
  constructor(javaClass: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.javaClass = javaClass;
  }
}

/** Kafka's SerializationException, which its serializers and deserializers throw (a converter's cause). */
export function serializationException(message: string): JavaException {
  return new JavaException("org.apache.kafka.common.errors.SerializationException", message);
}

/**
 * Whether Java's `error instanceof ConnectException` holds for `error`: Connect's exceptions all live under
 * org.apache.kafka.connect, while a KafkaError, a JavaException of the JDK's or an UnsupportedOperationError is a
 * ConnectError here but no ConnectException in Java (ConnectUtils.maybeWrap wraps those).
 */
export function isConnectException(error: unknown): error is ConnectError {
  return error instanceof ConnectError && error.javaClass.startsWith("org.apache.kafka.connect.");
}

/** The Java-style class name shown in traces for any thrown value. */
export function javaClassOf(error: unknown): string {
  if (error instanceof ConnectError) return error.javaClass;
  if (error instanceof TypeError || error instanceof RangeError) return "java.lang.IllegalArgumentException";
  return "java.lang.RuntimeException";
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * Java's `Throwable.toString()` of any thrown value: `<class>: <message>`, or the class alone for a
 * null message (the empty one here).
 */
export function throwableText(error: unknown): string {
  const message = messageOf(error);
  return message === "" ? javaClassOf(error) : `${javaClassOf(error)}: ${message}`;
}

/**
 * A status trace in the shape Connect users know from `Throwable.printStackTrace()`:
 * `<class>: <message>` then `\tat <frame>` lines, then `Caused by: …` for each cause.
 */
export function traceOf(error: unknown): string {
  const lines: string[] = [];
  let current: unknown = error;
  let prefix = "";
  for (let depth = 0; current !== undefined && depth < 8; depth++) {
    lines.push(`${prefix}${throwableText(current)}`);
    if (current instanceof Error && current.stack) {
      for (const frame of current.stack.split("\n").slice(1)) {
        const trimmed = frame.trim();
        if (trimmed.startsWith("at ")) lines.push(`\t${trimmed}`);
      }
    }
    current = current instanceof Error ? current.cause : undefined;
    prefix = "Caused by: ";
  }
  return lines.join("\n");
}

/** True when retrying the failed operation may succeed. Retriable is a class, not a string match. */
export function isRetriable(error: unknown): boolean {
  if (error instanceof RetriableError) return true;
  return typeof error === "object" && error !== null && (error as { retriable?: unknown }).retriable === true;
}
