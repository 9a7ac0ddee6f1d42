/**
 * What to tell a user whose Kafka client settings name classes the gateway cannot run: client
 * interceptors (`interceptor.classes`) and assignors other than Kafka's
 * (`partition.assignment.strategy`). Connect would load them; the gateway has no JVM, so a task
 * whose client has them fails (client-classes.ts's checkClientClasses, as Connect fails a task for
 * a class it cannot load). Confluent's images often set monitoring interceptors in the worker
 * config, so main warns at worker start for each such worker key, and the task builder logs the
 * same advice when a task fails for one. workerKeySource names the worker key (and the CONNECT_*
 * variable, when the environment set it) that gave a client its value, for main's start-up checks.
 */
import { ConfigError } from "../errors.ts";
import { environmentVariableOf } from "../util/properties.ts";
import { classNames, isKafkaAssignor } from "./client-classes.ts";

/** The worker keys the environment set, each with its CONNECT_* variable (util/properties.ts's environmentKeys). */
export type EnvironmentKeys = ReadonlyMap<string, { readonly variable: string }>;

const WHY = "the gateway runs no Kafka client interceptors or custom assignors";

/** Whether a client's class list names a class the gateway cannot run. */
function unsupported(listKey: string, value: string | undefined): boolean {
  const names = classNames(value).filter((n) => n !== "");
  return listKey === "interceptor.classes" ? names.length > 0 : names.some((n) => !isKafkaAssignor(n));
}

// The worker keys that reach a task's producer or consumer: the gateway passes top-level client keys
// to both (client-properties.ts), the `producer.` and `consumer.` keys to their own.
const WORKER_LIST_KEYS = [
  "interceptor.classes",
  "producer.interceptor.classes",
  "consumer.interceptor.classes",
  "partition.assignment.strategy",
  "consumer.partition.assignment.strategy",
];

/**
 * A WARN for each worker key that will fail every task it reaches, naming its CONNECT_* variable
 * when the environment set it (`fromEnvironment`), else the key of the worker config file.
 */
export function workerClassListWarnings(
  originals: Readonly<Record<string, string>>,
  fromEnvironment: EnvironmentKeys,
): string[] {
  return WORKER_LIST_KEYS.filter((key) => unsupported(key.replace(/^(producer|consumer)\./, ""), originals[key])).map(
    (key) => {
      const variable = fromEnvironment.get(key)?.variable;
      return variable === undefined
        ? `Worker config ${key} is set, but ${WHY}: every task whose Kafka client it reaches fails to start. ` +
            `Remove ${key} from the worker config.`
        : `Worker config ${key} (environment variable ${variable}) is set, but ${WHY}: every task whose Kafka ` +
            `client it reaches fails to start. Unset the environment variable ${variable}.`;
    },
  );
}

/**
 * The worker key that gave a `type` client the value of its key `clientKey` (`<type>.<key>` when
 * set, else the top-level key, as client-properties.ts merges them), with its CONNECT_* variable
 * when the environment set it: `worker key producer.partitioner.class, from environment variable
 * CONNECT_PRODUCER_PARTITIONER_CLASS`.
 */
export function workerKeySource(
  type: "producer" | "consumer" | "admin",
  clientKey: string,
  originals: Readonly<Record<string, string>>,
  fromEnvironment: EnvironmentKeys,
): string {
  const key = originals[`${type}.${clientKey}`] !== undefined ? `${type}.${clientKey}` : clientKey;
  const variable = fromEnvironment.get(key)?.variable;
  return variable === undefined ? `worker key ${key}` : `worker key ${key}, from environment variable ${variable}`;
}

/** A client's ConfigError (Connect's text, naming the client key), followed by the worker key that set it. */
export function withWorkerKey(
  error: ConfigError,
  type: "producer" | "consumer" | "admin",
  originals: Readonly<Record<string, string>>,
  fromEnvironment: EnvironmentKeys,
): ConfigError {
  const clientKey = [...error.errors.keys()][0];
  if (clientKey === undefined) return error;
  const message = `${error.message} (${workerKeySource(type, clientKey, originals, fromEnvironment)})`;
  return new ConfigError(message, new Map([[clientKey, [message]]]));
}

/**
 * The advice for a task whose `type` client failed with `props`, naming where each class list it
 * cannot run may come from; undefined when the client has none.
 */
export function taskClassListHint(
  type: "producer" | "consumer",
  props: Readonly<Record<string, string>>,
): string | undefined {
  const keys = ["interceptor.classes", "partition.assignment.strategy"].filter(
    (key) => (type === "consumer" || key === "interceptor.classes") && unsupported(key, props[key]),
  );
  if (keys.length === 0) return undefined;
  const places = keys.map((key) => {
    const worker = [`${type}.${key}`, key].map((k) => `${k} (${environmentVariableOf(k)})`).join(" or ");
    return `${key}: the connector's ${type}.override.${key} or the worker's ${worker}`;
  });
  return `This task's ${type} names Kafka client classes, but ${WHY}; remove ${places.join("; ")}`;
}
