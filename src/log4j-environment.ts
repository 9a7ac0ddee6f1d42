/**
 * The logging variables of Confluent's Connect images, which those images give log4j and never the
 * worker: `CONNECT_LOG4J_ROOT_LOGLEVEL` (the root level) and `CONNECT_LOG4J_LOGGERS`
 * (`name=LEVEL,name=LEVEL`, e.g. `org.reflections=ERROR`). A compose file moved from such an image
 * keeps its levels here; they were taken for worker keys and ignored with an unknown-key WARN.
 * `log.level` (file or `CONNECT_LOG_LEVEL`) wins over the root variable and a `root=LEVEL` entry. A value that names no level
 * is a WARN, and the level stays as it was.
 */
import { type Level, parseLevel } from "./util/logger.ts";

/** The prefix of the variables that configure logging, not the worker. */
export const LOG4J_ENVIRONMENT_PREFIX = "CONNECT_LOG4J_";

export interface Log4jEnvironment {
  readonly root: Level | undefined;
  /** Logger name → level, in the order given. */
  readonly loggers: readonly (readonly [string, Level])[];
  readonly warnings: readonly string[];
}

export function log4jEnvironment(env: Readonly<Record<string, string | undefined>>): Log4jEnvironment {
  const warnings: string[] = [];
  let root: Level | undefined;
  const rootText = env.CONNECT_LOG4J_ROOT_LOGLEVEL;
  if (rootText !== undefined && rootText.trim() !== "") {
    root = parseLevel(rootText);
    if (!root) warnings.push(`CONNECT_LOG4J_ROOT_LOGLEVEL=${rootText} names no log level: ignored`);
  }
  const loggers: [string, Level][] = [];
  for (const entry of (env.CONNECT_LOG4J_LOGGERS ?? "").split(",")) {
    if (entry.trim() === "") continue;
    const eq = entry.indexOf("=");
    const name = eq < 0 ? "" : entry.slice(0, eq).trim();
    const level = eq < 0 ? undefined : parseLevel(entry.slice(eq + 1));
    if (name === "" || !level) {
      warnings.push(`CONNECT_LOG4J_LOGGERS entry '${entry.trim()}' is not name=LEVEL: ignored`);
      continue;
    }
    // `root=LEVEL` is the root level, as CONNECT_LOG4J_ROOT_LOGLEVEL: `log.level` wins over it.
    if (name.toLowerCase() === "root") root = level;
    else loggers.push([name, level]);
  }
  const others = Object.keys(env).filter(
    (n) =>
      n.startsWith(LOG4J_ENVIRONMENT_PREFIX) && n !== "CONNECT_LOG4J_ROOT_LOGLEVEL" && n !== "CONNECT_LOG4J_LOGGERS",
  );
  for (const n of others.sort()) warnings.push(`${n} is a log4j setting the gateway has no use for: ignored`);
  return { root, loggers, warnings };
}
