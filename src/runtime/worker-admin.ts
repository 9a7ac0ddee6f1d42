/**
 * The Worker's admin clients, as Connect's Worker makes them outside tasks: one shared client on
 * the worker's own client settings (cluster id, partition counts, offsets of connectors without
 * overrides), created on first use, and one per use for a connector with `admin.override.*` keys.
 * Before a connector's client config is built, its `<type>.override.*` keys go through the
 * worker's connector.client.config.override.policy, as Connect's Worker checks them. Used by worker.ts.
 */
import type { Config } from "../api/connector.ts";
import { clientProperties } from "../client-properties.ts";
import {
  ConnectorClientConfigOverridePolicy,
  connectorClientOverrides,
  overridePrefix,
} from "../connector-client-config-override-policy.ts";
import { RetriableError } from "../errors.ts";
import { connectionSettings } from "../kafka/client-config.ts";
import type { ClientType } from "../kafka/client-config-keys.ts";
import { workerAdminKeysWarning } from "../kafka/client-key-effects.ts";
import type { CallBound, KafkaAdmin, KafkaPort } from "../kafka/kafka-port.ts";
import { ABORTED, abortable, within } from "../util/async.ts";
import type { Clock } from "../util/clock.ts";
import type { LogManager } from "../util/logger.ts";
import type { WorkerConfig } from "../worker-config.ts";
import type { ResolveConfig } from "./resolved-values.ts";

/** An admin client lent for one use: disposing of it gives it back (closes one made for the connector alone). */
export interface AdminLease extends AsyncDisposable {
  readonly admin: KafkaAdmin;
}

export interface WorkerAdminDeps {
  readonly config: WorkerConfig;
  readonly logs: LogManager;
  readonly kafka: KafkaPort;
  readonly resolveConfig: ResolveConfig;
  /** Times a wait for another caller's connect (joined); the system clock by default. */
  readonly clock?: Clock;
}

/** Whether the connector config has a `<type>.override.` key. */
function hasOverrides(connectorConfig: Config, type: ClientType): boolean {
  const prefix = overridePrefix(type);
  return Object.keys(connectorConfig).some((k) => k.startsWith(prefix));
}

export class WorkerAdmin {
  private sharedAdmin: Promise<KafkaAdmin> | undefined;
  private warned = false;

  constructor(private readonly deps: WorkerAdminDeps) {}

  /**
   * A lazily created admin client on the worker's own client settings. Given `bound` (a REST request's), connecting
   * is tried again within it (KafkaPort.admin); a connect another caller began that gave up (its own time spent, or
   * none given) is begun again while this caller's time lasts. A caller joining another's connect waits for it
   * within its own time only (joined).
   */
  async shared(bound?: CallBound): Promise<KafkaAdmin> {
    for (;;) {
      const begun = this.sharedAdmin === undefined;
      const connect = this.sharedConnect(bound).then(
        (admin) => ({ admin }),
        (error: unknown) => ({ error }),
      );
      const outcome = begun ? await connect : await this.joined(connect, bound);
      if ("admin" in outcome) return outcome.admin;
      if (begun || bound === undefined) throw outcome.error;
    }
  }

  /**
   * Another caller's connect, awaited until `bound`'s signal aborts or its time runs out: that connect may be tried
   * for its own caller's time (up to a request's 90 s). A caller without a deadline waits request.timeout.ms, as long
   * as the one try it would have made itself.
   */
  private async joined<T>(connect: Promise<T>, bound: CallBound | undefined): Promise<T> {
    const ms =
      bound?.remainingMs?.() ?? connectionSettings(clientProperties(this.deps.config, "admin")).requestTimeoutMs;
    const timed = within(connect, ms, this.deps.clock);
    const answer = bound?.signal ? await abortable(timed, bound.signal) : await timed;
    if (answer === ABORTED) throw new RetriableError("Failed to connect the admin client: the gateway stops");
    if (answer === undefined)
      throw new RetriableError(`Failed to connect the admin client: not connected within ${Math.round(ms)} ms`);
    return answer;
  }

  private sharedConnect(bound: CallBound | undefined): Promise<KafkaAdmin> {
    // Its `admin.*` keys without effect: one WARN when it is first made, as a task's clients have.
    if (!this.warned) {
      this.warned = true;
      const client = this.deps.config["kafka.client"] === "kafkajs" ? "kafkajs" : "platformatic";
      const warning = workerAdminKeysWarning(this.deps.config.originals, client);
      if (warning !== undefined) this.deps.logs.get("org.apache.kafka.connect.runtime.Worker").warn(warning);
    }
    this.sharedAdmin ??= this.deps.kafka.admin(clientProperties(this.deps.config, "admin"), bound).catch((error) => {
      this.sharedAdmin = undefined;
      throw error;
    });
    return this.sharedAdmin;
  }

  /** Closes the shared admin client if one was ever created (never creates one to close it). */
  async close(): Promise<void> {
    const admin = this.sharedAdmin;
    this.sharedAdmin = undefined;
    if (!admin) return;
    // An admin still connecting to an unreachable broker must not hold up shutdown.
    const closed = admin.then((a) => a.close()).catch(() => undefined);
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 2000))]);
  }

  /**
   * Throws Connect's Worker refusal (ConnectError `Client Config Overrides not allowed […]`) when
   * the connector has a `<type>.override.` key of one of `types` (checked in that order) that the
   * override policy does not allow; the config is resolved only when there is something to check.
   * Returns the resolved config when it was resolved (by `resolveConfig`, the worker's by default).
   */
  async checkClientOverrides(
    connectorConfig: Config,
    types: readonly ClientType[],
    resolveConfig: ResolveConfig = this.deps.resolveConfig,
  ): Promise<Config | undefined> {
    const policy = this.deps.config.overridePolicy;
    // Under All no key can be refused.
    const present = types.some((type) => hasOverrides(connectorConfig, type));
    if (policy === ConnectorClientConfigOverridePolicy.ALL || !present) return undefined;
    const resolved = await resolveConfig(connectorConfig);
    for (const type of types) connectorClientOverrides(policy, resolved, type);
    return resolved;
  }

  /**
   * Builds a sink connector's admin client config for its offsets, as Connect's Worker builds the admin config, then
   * the consumer config, then the client, before anything is asked of Kafka: an `admin.override.*` or
   * `consumer.override.*` key the override policy does not allow fails it (ConnectError) in that order, and a client
   * property the client refuses (ConfigError) as Java's Admin.create does. Returns how to lend the client, held until
   * the lease is disposed: the shared one, or, when the connector has `admin.override.*` keys, one made with those
   * and closed on disposal; lending it connects it (Java's admin connects on its first request), tried again within
   * the request's `bound` while Kafka is not reached.
   */
  async buildConnectorAdmin(
    connectorConfig: Config,
    resolveConfig: ResolveConfig = this.deps.resolveConfig,
  ): Promise<(bound?: CallBound) => Promise<AdminLease>> {
    // Only a check for the consumer: its overrides (its group.id) are read by the offsets code itself.
    const checked = await this.checkClientOverrides(connectorConfig, ["admin", "consumer"], resolveConfig);
    if (!hasOverrides(connectorConfig, "admin"))
      return async (bound) => ({ admin: await this.shared(bound), [Symbol.asyncDispose]: async () => {} });
    const resolved = checked ?? (await resolveConfig(connectorConfig));
    const properties = clientProperties(this.deps.config, "admin", resolved);
    // Checked now, without a broker, as Java's Admin.create checks its config.
    connectionSettings(properties);
    return async (bound) => {
      const admin = await this.deps.kafka.admin(properties, bound);
      return { admin, [Symbol.asyncDispose]: () => admin.close().catch(() => undefined) };
    };
  }

  /** The connector's admin client for its offsets (buildConnectorAdmin), lent at once. */
  async connectorAdmin(
    connectorConfig: Config,
    resolveConfig: ResolveConfig = this.deps.resolveConfig,
    bound?: CallBound,
  ): Promise<AdminLease> {
    return (await this.buildConnectorAdmin(connectorConfig, resolveConfig))(bound);
  }

  /** Runs `use` with the connector's admin client (connectorAdmin), given back after. */
  async withConnectorAdmin<T>(
    connectorConfig: Config,
    use: (admin: KafkaAdmin) => Promise<T>,
    resolveConfig: ResolveConfig = this.deps.resolveConfig,
  ): Promise<T> {
    await using lease = await this.connectorAdmin(connectorConfig, resolveConfig);
    return await use(lease.admin);
  }
}
