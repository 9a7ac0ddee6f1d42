/**
 * HttpIngestSourceConnector: owns an ingest route. `start` validates the config and opens the
 * route on the ingest listener (`ingest.path`, plus the REST Proxy topics); `stop` (pause, stop,
 * delete, restart) suspends it: 503 with Retry-After until it starts again, and the route is gone
 * once its tasks have stopped too. A connector PAUSED without having started (created PAUSED, or
 * paused when the gateway started) reserves its suspended route (`announcePaused`): 503 as well.
 * Tasks (tasks.max, each with its own producer) share the route. `producer.override.acks=0` (or
 * the worker's `producer.acks=0` without an override) is accepted (as Connect accepts it) with a
 * WARN at start: requests are then answered before Kafka has the records. `alterOffsets` accepts
 * only the spool's offset, in spool mode (spool-offset.ts).
 */
import type { Config, ConnectorContext, SourceConnector } from "../../api/connector.ts";
import type { SourceMap } from "../../api/record.ts";
import { ConfigError } from "../../errors.ts";
import { validateIngestAuth } from "../../ingest/auth/ingest-auth-checks.ts";
import { ingestAuthFileProblems } from "../../ingest/auth/ingest-auth-files.ts";
import type { IngestMetrics } from "../../ingest/ingest-metrics.ts";
import { compileJsonPath } from "../../ingest/json-path.ts";
import type { IngestStagesFactory } from "../../ingest/request-context.ts";
import type { IngestRouteTable } from "../../ingest/route-table.ts";
import { spoolMode } from "../../ingest/spool/spool-config.ts";
import type { SpoolMetrics } from "../../ingest/spool/spool-metrics.ts";
import type { ConfigProblem } from "../../plugin/descriptor.ts";
import type { SpoolStore } from "../../store/spool-store.ts";
import type { Logger } from "../../util/logger.ts";
import { type HttpIngestConfig, httpIngestConfig, routeSettings } from "./config.ts";
import { warnSharedTopics } from "./rest-proxy-topics.ts";
import { validateAlteredOffsets } from "./spool-offset.ts";

export interface HttpIngestServices {
  readonly routes: IngestRouteTable;
  readonly stages: IngestStagesFactory;
  readonly metrics?: IngestMetrics;
  /** The gateway's spool (opened on first use), for ingest.ack.mode=spool. */
  readonly spool?: () => Promise<SpoolStore>;
  readonly spoolMetrics?: SpoolMetrics;
  /** The worker's producer acks (producer.acks, or top-level acks), which producer.override.acks replaces. */
  readonly workerProducerAcks?: string;
  /**
   * The worker's key.converter and value.converter: a connector without its own runs with them (as
   * in Connect), so its routes must hand bodies to them in their form (raw for ByteArray/String).
   */
  readonly workerConverters?: { readonly key: string; readonly value: string };
}

/**
 * Cross-key rules: a JSONPath key needs a valid ingest.key.field, and the ingest.auth.* keys must
 * combine (ingest-auth-checks.ts). (That the largest request fits the queue or spool limits is a
 * validation-only rule: request-fits-queue.ts.)
 */
export function validateHttpIngest(config: Config): ConfigProblem[] {
  const parsed = httpIngestConfig.parse(config);
  // The authentication keys' cross-key rules too: a connector failing them was created (201) and
  // then FAILED at start, and PUT …/config/validate reported no error (ingestjwt hunt).
  // And the files they name, read as the start reads them: a key file or credentials file it refuses (task authval).
  return [...keyFieldProblems(parsed), ...validateIngestAuth(parsed), ...ingestAuthFileProblems(parsed)];
}

function keyFieldProblems(parsed: HttpIngestConfig): ConfigProblem[] {
  if (parsed["ingest.key.source"] !== "field") return [];
  const path = parsed["ingest.key.field"];
  if (!path) return [{ key: "ingest.key.field", message: "ingest.key.field is required when ingest.key.source=field" }];
  try {
    compileJsonPath(path, "ingest.key.field");
    return [];
  } catch (error) {
    return [{ key: "ingest.key.field", message: (error as Error).message }];
  }
}

export class HttpIngestSourceConnector implements SourceConnector {
  private config: Config = {};
  /** The connector's name (PluginContext.connectorName) once started or announced paused: its route is keyed by it. */
  private name = "";
  private connectorName = "";
  private logger: Logger | undefined;

  constructor(private readonly services: HttpIngestServices) {}

  initialize(context: ConnectorContext): void {
    this.logger = context.logger;
    this.connectorName = context.connectorName;
  }

  async start(config: Config): Promise<void> {
    const parsed = httpIngestConfig.parse(config);
    const problems = keyFieldProblems(parsed);
    if (problems.length > 0)
      throw new ConfigError(
        problems.map((p) => p.message).join("; "),
        new Map(problems.map((p) => [p.key, [p.message]])),
      );
    this.config = config;
    this.name = this.connectorName;
    // The worker's acks=0 as well as the connector's (ingestp4: only the connector's was told).
    const override = config["producer.override.acks"]?.trim();
    if ((override ?? this.services.workerProducerAcks?.trim()) === "0") {
      const setting = override !== undefined ? "producer.override.acks=0" : "The worker's producer.acks=0";
      this.logger?.warn(
        `${setting}: the producer does not wait for Kafka to acknowledge a record, so an acknowledged request is not durable: its answer (offset -1) says its records were sent, not written, a record a broker drops is lost without an error, and with ingest.ack.mode=spool the spool lets go of records once sent. Use acks=all (the default) for records that must not be lost`,
      );
    }
    const settings = this.routeSettings(parsed, config);
    // Its path and topics answer 503 should the stages fail: a topic it names in
    // ingest.rest.proxy.topics was else served by another connector accepting it, with that one's
    // authentication (review45).
    this.services.routes.reserve(this.name, settings);
    const stages = await this.services.stages(this.name, config);
    try {
      this.services.routes.open(this.name, settings, stages);
    } catch (error) {
      // Its path served by another connector: the stages hold what the connector keeps across its instances
      // (ingest-security.ts: the basic attempt guard, its quota buckets), counted open until closed. Never
      // activated (route-table.ts), they change nothing the connector keeps for its next instance (its quota buckets
      // and limits, its basic lockouts, its metrics).
      await stages.close?.();
      throw error;
    }
    warnSharedTopics(this.services.routes, settings.restProxyTopics, this.logger);
  }

  /** Spool mode runs one task: the drainer that keeps the spool's order. */
  taskConfigs(maxTasks: number): Config[] {
    const spool = (this.config["ingest.ack.mode"] ?? "kafka").trim() === "spool";
    return Array.from({ length: spool ? 1 : Math.max(1, maxTasks) }, () => ({ ...this.config }));
  }

  announcePaused(config: Config): void {
    const parsed = httpIngestConfig.parse(config);
    this.name = this.connectorName;
    this.services.routes.reserve(this.name, this.routeSettings(parsed, config));
  }

  /**
   * The route's settings for the converters its task runs with: the connector's own, else the
   * worker's (a worker-level StringConverter took a body as parsed JSON: `[B@…` written, answered 200).
   */
  private routeSettings(parsed: HttpIngestConfig, config: Config) {
    const converter = (prop: "key.converter" | "value.converter", worker: string | undefined) =>
      config[prop]?.trim() || worker;
    const workers = this.services.workerConverters;
    return routeSettings(
      parsed,
      converter("value.converter", workers?.value),
      converter("key.converter", workers?.key),
    );
  }

  stop(): void {
    if (this.name !== "") this.services.routes.suspend(this.name);
  }

  /**
   * Only the spool's offset, in spool mode (spool-offset.ts); the task reads it at its next start. A sequence above
   * every one the spool file issued raises the file's (SpoolStore.raiseSequence): the next start deletes the rows up
   * to it, as for any offset, instead of taking it for the offset of a spool file lost since (a WARN, and the rows
   * drained again).
   */
  async alterOffsets(
    config: Config,
    offsets: ReadonlyArray<{ partition: SourceMap; offset: SourceMap | null }>,
    _providedKeys: ReadonlySet<string> | undefined,
    connectorName: string,
  ): Promise<boolean> {
    const seq = validateAlteredOffsets(connectorName, spoolMode(config), offsets);
    if (seq !== undefined && this.services.spool) await (await this.services.spool()).raiseSequence(seq);
    return true;
  }
}
