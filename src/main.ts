/**
 * CLI entry, like connect-standalone (`gateway [worker.properties] [connector files…]`; the
 * subcommands and options are in cli.ts, which `gateway --help` prints). Reads the worker config (file, then CONNECT_* environment), opens the data file, starts the REST
 * listeners and the herder, submits the connector files (created, or updated if they exist), and
 * stops cleanly on SIGINT/SIGTERM/SIGHUP (as the JVM runs Connect's shutdown hook on each): tasks
 * commit what Kafka acknowledged before the process exits.
 */
// First: stop signals are caught while the other modules are evaluated.
import "./stop-signals.ts";
import { readFileSync } from "node:fs";
import { type App, startApp } from "./app.ts";
import { parseCommandLine, USAGE } from "./cli.ts";
import { clientProperties } from "./client-properties.ts";
import type { ConfigProvider } from "./config-providers/config-provider.ts";
import {
  ConfigProviderError,
  configProvidersFromWorkerConfig,
  type OnResolved,
  resolveConfig,
} from "./config-providers/config-transformer.ts";
import { hasConfigVariable } from "./config-providers/config-variables.ts";
import { unresolvedReferencesWarning } from "./config-providers/unresolved-references.ts";
import { OVERRIDE_POLICY_PACKAGE, PRINCIPAL_DEPRECATION } from "./connector-client-config-override-policy.ts";
import { CONNECTOR_FILE_EXIT_CODE, CONNECTOR_FILE_FAILED, readConnectorFile } from "./connector-file.ts";
import { deleteConnectorOffline, describeRemoved } from "./delete-connector.ts";
import { ConfigError, ConnectError, KafkaError, messageOf } from "./errors.ts";
import { gracefulShutdown, stopTimeoutMs } from "./graceful-shutdown.ts";
import { checkHealth } from "./healthcheck.ts";
import { refusalReason } from "./kafka/access-errors.ts";
import { type EnvironmentKeys, withWorkerKey, workerClassListWarnings } from "./kafka/client-class-hints.ts";
import { checkClientConfigValues } from "./kafka/client-classes.ts";
import { connectionSettings, consumerSettings, producerSettings } from "./kafka/client-config.ts";
import { keyStoreExpiryNotice, keyStoreExpiryWarning } from "./kafka/key-store-expiry.ts";
import { log4jEnvironment } from "./log4j-environment.ts";
import { sameConfig } from "./runtime/connector-config.ts";
import { resolvingWith } from "./runtime/resolved-values.ts";
import { secretValues } from "./runtime/secret-keys.ts";
import { onStopSignal, onStraySignal } from "./stop-signals.ts";
import { StoreLockedError } from "./store/database.ts";
import { exitOnUncaughtErrors } from "./uncaught-errors.ts";
import { ignoredKeyWarning, unknownKeyWarning, unknownWorkerKeys } from "./unknown-worker-keys.ts";
import { javaUtf8Text } from "./util/java-utf8.ts";
import { boundedStreamSink, sinkAfterStdoutError } from "./util/log-output.ts";
import { getLogger, logManager, parseLevel } from "./util/logger.ts";
import { configFromEnvironment, environmentKeys, parseProperties, propertiesText } from "./util/properties.ts";
import { ResolvedSecrets } from "./util/resolved-secrets.ts";
import { GATEWAY_VERSION } from "./version.ts";
import { exactlyOnceSourceWarning, loadWorkerConfig, type WorkerConfig, workerDataDir } from "./worker-config.ts";

const log = getLogger("io.edgegateway.Gateway");
/** connect-standalone's logger, for what it logs when a connector file fails. */
const standaloneLog = getLogger("org.apache.kafka.connect.cli.ConnectStandalone");

/**
 * How long a graceful stop's exit (and the connector-file exit) waits for stdout's reader to take the
 * log lines still waiting for it (none wait when it keeps up: the exit is then immediate). An uncaught
 * error's exit never waits.
 */
const EXIT_LOG_FLUSH_MS = 2000;

/**
 * The last word on stderr, redacted and encoded as log lines are: a resolved config provider value
 * (registered before the worker config is checked) can be the value a startup error quotes, and a
 * lone surrogate (a properties file's `\uD800`) is written `?` as Java writes it.
 */
function writeFatal(message: string): void {
  process.stderr.write(`gateway: ${javaUtf8Text(logManager.redact(message))}\n`);
}

function fail(message: string): never {
  writeFatal(message);
  process.exit(1);
}

function readFile(path: string, what: string): string {
  try {
    return propertiesText(readFileSync(path));
  } catch (error) {
    fail(`cannot read ${what} ${path}: ${messageOf(error)}`);
  }
}

/** A `.properties` file's entries; a text Java's Properties.load refuses is a ConfigError naming the file. */
function propertiesOf(path: string, text: string): Record<string, string> {
  try {
    return parseProperties(text);
  } catch (error) {
    throw new ConfigError(`${path} is not a valid properties file: ${messageOf(error)}`);
  }
}

async function healthcheck(url: string): Promise<never> {
  const { healthy, reason } = await checkHealth(url);
  if (reason) process.stderr.write(`gateway healthcheck: ${reason}\n`);
  process.exit(healthy ? 0 : 1);
}

/** Reads a password from standard input and prints its hash (argon2id, or bcrypt). */
async function hashPassword(algorithm: "argon2id" | "bcrypt"): Promise<void> {
  const password = (await Bun.stdin.text()).replace(/\r?\n$/, "");
  if (password === "") fail("hash-password reads the password from standard input; it was empty");
  process.stdout.write(`${await Bun.password.hash(password, { algorithm })}\n`);
}

/**
 * Deletes a connector from gateway.db with the gateway stopped (delete-connector.ts), with the
 * worker config the gateway would read to find data.dir.
 */
async function deleteConnector(workerFile: string | undefined, name: string): Promise<void> {
  const dataDir = await loadDataDir(workerFile);
  try {
    process.stdout.write(describeRemoved(deleteConnectorOffline(dataDir, name)));
  } catch (error) {
    if (error instanceof StoreLockedError) fail(`${error.message} Stop the gateway first.`);
    if (error instanceof ConnectError) fail(error.message);
    throw error;
  }
}

/** The worker file's entries, then the CONNECT_* environment's (which win). */
function workerOriginals(path: string | undefined): Record<string, string> {
  let fileConfig: Record<string, string> = {};
  try {
    if (path) fileConfig = propertiesOf(path, readFile(path, "worker config"));
  } catch (error) {
    fail(messageOf(error));
  }
  return { ...fileConfig, ...configFromEnvironment(process.env) };
}

/**
 * Only `data.dir` of the worker config (file, then CONNECT_* environment), its `${provider:path:key}`
 * reference resolved with the providers the config declares when it holds one: the rest of the
 * worker config is not checked (a Kafka client setting that would stop the gateway's start does not
 * stop a command that only needs the data file).
 */
async function loadDataDir(path: string | undefined): Promise<string> {
  try {
    const raw = workerOriginals(path);
    const value = raw["data.dir"];
    if (value === undefined || !hasConfigVariable(value)) return workerDataDir(raw);
    const providers = configProvidersFromWorkerConfig(raw, { logs: logManager });
    const resolved = await resolveConfig({ "data.dir": value }, providers, registerProviderValue);
    return workerDataDir(resolved);
  } catch (error) {
    if (error instanceof ConfigError) fail(`invalid worker configuration: ${withEnvironmentVariables(error)}`);
    throw error;
  }
}

/**
 * A value a provider resolved in the worker config, registered for redaction. A worker value
 * composed around one (`bootstrap.servers=${env:KAFKA_HOST}:9092`) is not: the worker's own
 * addresses and paths stay readable in its logs (connector configs hide theirs whole).
 */
const registerProviderValue: OnResolved = (secret, _reference, composed) => {
  if (!composed) logManager.registerSecret(secret);
};

/**
 * The worker config: file, then CONNECT_* environment; `${provider:path:key}` references in it are
 * resolved with the providers it declares (as Apache's AbstractConfig does), and resolved values
 * are registered as secrets for redaction.
 */
async function loadConfig(
  path: string | undefined,
): Promise<{ config: WorkerConfig; providers: Map<string, ConfigProvider>; warnings: string[] }> {
  const raw = workerOriginals(path);
  try {
    const providers = configProvidersFromWorkerConfig(raw, { logs: logManager });
    const unresolved = new Set<string>();
    const resolved = await resolveConfig(raw, providers, registerProviderValue, (key) => unresolved.add(key));
    const config = loadWorkerConfig(resolved);
    const warnings = checkKafkaClientSettings(config, environmentKeys(process.env));
    const references = unresolvedReferencesWarning("Worker config", unresolved);
    return { config, providers, warnings: references === undefined ? warnings : [references, ...warnings] };
  } catch (error) {
    if (error instanceof ConfigError) fail(`invalid worker configuration: ${withEnvironmentVariables(error)}`);
    throw error;
  }
}

/**
 * Settings every Kafka client of the worker will use must work before anything starts: a JKS or
 * missing store, a wrong store password, an unknown security.protocol or SASL mechanism stop
 * startup with one message naming the key, and so does a class key naming a class Connect could not
 * load or a class list with an empty entry (client-classes.ts: Connect would fail each task with it);
 * Connect's message names the client's key, so the gateway's adds the worker key that set it (and
 * its CONNECT_* variable when the environment did). (An unreachable broker does not: see app.ts.)
 * A key store whose certificate is not valid now, or expires within 7 days, is a WARN (returned).
 */
function checkKafkaClientSettings(config: WorkerConfig, fromEnvironment: EnvironmentKeys): string[] {
  const warnings: string[] = [];
  // One WARN per certificate notice, naming the client types that present it.
  const expiring = new Map<string, string[]>();
  for (const type of ["producer", "consumer", "admin"] as const) {
    const props = clientProperties(config, type);
    connectionSettings(props);
    const notice = keyStoreExpiryNotice(props, Date.now());
    if (notice !== undefined) expiring.set(notice, [...(expiring.get(notice) ?? []), type]);
    try {
      checkClientConfigValues(type, props);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      fail(`invalid worker configuration: ${withWorkerKey(error, type, config.originals, fromEnvironment).message}`);
    }
    try {
      if (type === "producer") producerSettings(props);
    } catch (error) {
      // KafkaProducer's constructor refuses (delivery.timeout.ms): Connect starts and fails each task whose
      // producer keeps it (a connector's producer.override.* keys may make it valid), so a WARN (returned).
      if (!(error instanceof KafkaError && error.cause instanceof ConfigError)) throw error;
      const { message } = withWorkerKey(error.cause, type, config.originals, fromEnvironment);
      warnings.push(`Worker config: ${message}: every task whose producer keeps these values fails to start`);
    }
    if (type === "consumer") consumerSettings(props);
  }
  for (const [notice, types] of expiring) {
    const clients = types.length === 1 ? types[0] : `${types.slice(0, -1).join(", ")} and ${types.at(-1)}`;
    warnings.push(keyStoreExpiryWarning(`The worker's Kafka ${clients} client${types.length > 1 ? "s" : ""}`, notice));
  }
  return warnings;
}

/** The message, naming the CONNECT_* variable of each key the environment set. */
function withEnvironmentVariables(error: ConfigError): string {
  const fromEnv = environmentKeys(process.env);
  const keys = new Set([
    ...error.errors.keys(),
    ...[...error.message.matchAll(/configuration ([\w.-]+)/g)].map((m) => m[1]!),
  ]);
  const variables = [...keys].flatMap((k) => {
    const entry = fromEnv.get(k);
    return entry ? [`${k} comes from the environment variable ${entry.variable}`] : [];
  });
  const message = error instanceof ConfigProviderError ? error.described : error.message;
  return variables.length > 0 ? `${message} (${variables.join("; ")})` : message;
}

export async function main(argv: readonly string[]): Promise<void> {
  const command = parseCommandLine(argv);
  switch (command.kind) {
    case "error":
      process.stderr.write(`gateway: ${command.message}\n${USAGE}`);
      process.exit(2);
      break;
    case "help":
      process.stdout.write(USAGE);
      return;
    case "version":
      process.stdout.write(`${GATEWAY_VERSION}\n`);
      return;
    case "healthcheck":
      return healthcheck(command.url);
    case "hash-password":
      return hashPassword(command.algorithm);
    case "delete-connector":
      return deleteConnector(command.workerFile, command.name);
  }
  const { workerFile, connectorFiles } = command;
  // Before the app exists nothing needs stopping: a stop signal ends the run at once, as a graceful stop does.
  onStopSignal((signal) => {
    log.info(`Received ${signal} before the gateway started: exiting`);
    process.exit(0);
  });
  // Ending the gateway (with no stop) on a signal it gives no meaning to would surprise an operator.
  onStraySignal((signal) => log.warn(`Received ${signal}; ignored (the gateway stops on SIGTERM, SIGINT or SIGHUP)`));
  const stdoutLog = boundedStreamSink(process.stdout, (message) => log.warn(message));
  // Bun's process.exit discards the log lines stdout still holds for a slow reader, the ones saying
  // why the gateway exits last among them: after a graceful stop (nothing runs any more) they get a
  // moment to be read first. An uncaught error exits at once (uncaught-errors.ts says why).
  const exitAfterLog = (code: number) => void stdoutLog.flushed(EXIT_LOG_FLUSH_MS).then(() => process.exit(code));
  exitOnUncaughtErrors(process, { log, exit: (code) => process.exit(code) });
  // A failed log write (a closed terminal, a log reader gone, a full disk under a redirected
  // stdout) never stops the gateway: log-output.ts says where the lines go then. Unheard, it is an
  // uncaught error that exits at once, skipping the graceful stop of the SIGHUP a hang-up sends.
  logManager.configure({ sink: stdoutLog.sink });
  process.stdout.on("error", (error) =>
    logManager.configure({ sink: sinkAfterStdoutError(error, (message) => log.warn(message)) }),
  );
  process.stderr.on("error", () => {});
  const { config, providers, warnings } = await loadConfig(workerFile);
  const log4j = log4jEnvironment(process.env);
  const levelSet = config.originals["log.level"] !== undefined;
  logManager.configure({
    rootLevel: (levelSet ? undefined : log4j.root) ?? parseLevel(config["log.level"]) ?? "INFO",
    json: config["log.format"] === "json",
    levels: log4j.loggers,
  });
  for (const secret of secretValues(config.originals)) logManager.registerSecret(secret);
  log.info(
    `Edge gateway ${GATEWAY_VERSION} starting (data.dir=${config["data.dir"]}, bootstrap.servers=${config["bootstrap.servers"].join(",")})`,
  );
  if (config["plugin.path"]) log.warn("plugin.path is set but unused: the gateway's plugins are built in");
  for (const k of config.ignoredKeys) log.warn(ignoredKeyWarning(k));
  const exactlyOnce = exactlyOnceSourceWarning(config);
  if (exactlyOnce !== undefined) log.warn(exactlyOnce);
  const fromEnvironment = environmentKeys(process.env);
  for (const k of unknownWorkerKeys(config.originals)) log.warn(unknownKeyWarning(k, fromEnvironment.get(k)?.variable));
  for (const warning of workerClassListWarnings(config.originals, fromEnvironment)) log.warn(warning);
  for (const warning of warnings) log.warn(warning);
  for (const warning of log4j.warnings) log.warn(warning);
  if (config.overridePolicy.name === "Principal")
    logManager
      .get(`${OVERRIDE_POLICY_PACKAGE}PrincipalConnectorClientConfigOverridePolicy`)
      .warn(PRINCIPAL_DEPRECATION);

  // A connector file that cannot be read or parsed stops the gateway as connect-standalone stops
  // (its ERROR line, exit code 3), here before anything started.
  const connectorSpecs: ReturnType<typeof readConnectorFile>[] = [];
  for (const path of connectorFiles) {
    try {
      connectorSpecs.push(readConnectorFile(path));
    } catch (error) {
      standaloneLog.error(`${CONNECTOR_FILE_FAILED}: ${messageOf(error)}`);
      // Nothing runs yet: the exit waits for stdout's reader as a graceful stop's does.
      exitAfterLog(CONNECTOR_FILE_EXIT_CODE);
      return;
    }
  }

  let app: App;
  // Provider values resolved for connectors: hidden from the logs, a bounded history of each.
  const resolvedSecrets = new ResolvedSecrets(logManager);
  // Set below, before the first lookup can end (it is asynchronous).
  let stopFor: (reason: string, exitCode: number) => void = () => {};
  try {
    app = startApp({
      config,
      configProviders: providers,
      // As connect-standalone stops when its cluster id lookup fails (its ERROR line, exit code 2).
      onKafkaRefused: (error) => {
        log.error(
          "Stopping due to error",
          new ConnectError(
            "Failed to connect to and describe Kafka cluster. Check worker's broker connection and security properties.",
            { cause: error },
          ),
        );
        stopFor(refusalReason(error), 2);
      },
      // Exit code 1, so that a supervisor starts it again on the state written back as it stopped.
      onDataFileLost: () => stopFor("A file in data.dir was deleted or replaced", 1),
      resolveConfig: (secret) =>
        resolvingWith(
          providers,
          (value, reference, resolved) => resolvedSecrets.remember(reference, value, resolved),
          secret,
        ),
    });
  } catch (error) {
    fail(
      error instanceof ConfigError
        ? `invalid worker configuration: ${withEnvironmentVariables(error)}`
        : messageOf(error),
    );
  }
  for (const url of app.rest.urls) log.info(`REST server listening at ${url}/, advertising URL ${app.advertisedUrl}`);
  for (const url of app.rest.adminUrls) log.info(`Admin REST server listening at ${url}/`);

  const shutdown = gracefulShutdown({
    stop: () => app.stop(),
    exit: exitAfterLog,
    log,
    timeoutMs: stopTimeoutMs(config["task.shutdown.graceful.timeout.ms"]),
    waitingFor: () => app.stopping(),
  });
  stopFor = shutdown;
  // SIGINT, SIGTERM and SIGHUP (stop-signals.ts). The JVM runs Connect's shutdown hook on SIGHUP too
  // (a closed terminal or SSH session): without a handler the process would die at once, with no
  // stop and no offsets committed.
  onStopSignal(shutdown);

  await app.herder.start();
  for (const spec of connectorSpecs) {
    // Keyed as POST /connectors keys a connector: a lone surrogate of its name as `?`, as Java writes it.
    const name = javaUtf8Text(spec.name);
    try {
      // A connector file that matches the stored config changes nothing: no restart on every boot.
      if (app.herder.connectors().includes(name) && sameConfig(app.herder.connectorConfig(name), spec.config)) {
        log.info(`Connector ${name} is up to date with ${name}'s file`);
        continue;
      }
      // initial_state (KIP-980) applies when the file creates the connector; a stored one keeps its state.
      await app.herder.putConnectorConfig(name, spec.config, {
        allowReplace: true,
        initialState: spec.initialState,
      });
      log.info(`Created connector ${name}`);
    } catch (error) {
      standaloneLog.error(`Failed to create connector for ${spec.path}`);
      standaloneLog.error(`${CONNECTOR_FILE_FAILED}: ${messageOf(error)}`);
      // Bounded as any stop, and exits 3 (connect-standalone's code) also when it is cut short.
      shutdown(`Connector file ${spec.path} failed`, CONNECTOR_FILE_EXIT_CODE);
      return;
    }
  }
  log.info("Gateway started");
}

if (import.meta.main) {
  main(process.argv.slice(2)).catch((error) => {
    writeFatal(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  });
}
