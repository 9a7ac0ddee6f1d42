/**
 * What to tell a user whose Kafka client settings name classes the gateway cannot run: client
 * interceptors (`interceptor.classes`) and assignors other than Kafka's
 * (`partition.assignment.strategy`). Connect would load them; the gateway has no JVM, so a task
 * whose client has them fails (client-classes.ts's checkClientClasses, as Connect fails a task for
 * a class it cannot load). Confluent's images often set monitoring interceptors in the worker
 * config, so main warns at worker start for each such worker key, and the task builder logs the
 * same advice when a task fails for one.
 */
import { classNames, isKafkaAssignor } from "./client-classes.ts";

const WHY = "the gateway runs no Kafka client interceptors or custom assignors";

/** The CONNECT_* environment variable that sets a worker key (util/properties.ts's mapping, reversed). */
export function environmentVariableOf(key: string): string {
  return `CONNECT_${key.toUpperCase().replace(/_/g, "__").replace(/-/g, "___").replace(/\./g, "_")}`;
}

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

/** A WARN for each worker key (from the file or the environment) that will fail every task it reaches. */
export function workerClassListWarnings(originals: Readonly<Record<string, string>>): string[] {
  return WORKER_LIST_KEYS.filter((key) => unsupported(key.replace(/^(producer|consumer)\./, ""), originals[key])).map(
    (key) =>
      `Worker config ${key} (environment variable ${environmentVariableOf(key)}) is set, but ${WHY}: ` +
      `every task whose Kafka client it reaches fails to start. Remove ${key} from the worker config.`,
  );
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
