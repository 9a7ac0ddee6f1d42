/**
 * HttpSourceConnector: checks the config (per key and across keys) and runs one task, since one
 * endpoint is polled by one schedule (`tasks.max` above 1 still yields one task). `alterOffsets`
 * accepts offsets of the shape offsets.ts documents, checked against the configured offset mode, for
 * its own partition (the key of http.url, current or earlier); with http.url a config provider
 * resolved, any partition but one whose URL GET …/offsets showed with its path hidden.
 */
import type { Config, ConnectorContext, SourceConnector } from "../../api/connector.ts";
import { javaTrim } from "../../api/data/java-text.ts";
import type { SourceMap } from "../../api/record.ts";
import { hasConfigVariable } from "../../config-providers/config-variables.ts";
import { isSecretHeader } from "../../http/secret-headers.ts";
import type { Logger } from "../../util/logger.ts";
import { castormKeyWarnings } from "./castorm-keys.ts";
import { httpSourceConfig } from "./config.ts";
import { checkedConfig } from "./config-rules.ts";
import { compactSplitNames } from "./headers.ts";
import {
  type OffsetMode,
  refuseHiddenUrls,
  type TimestampReading,
  validateAlteredOffsets,
  validateAlteredPartitions,
} from "./offsets.ts";
import { releaseConnectorThrottle } from "./rate-limit.ts";
import { instantReader, offsetRefusal, timestampForm } from "./timestamp-reader.ts";
import { unknownKeysWarning } from "./unknown-keys.ts";

/** How the config reads TIMESTAMP offsets, and in words; a config that does not parse reads them as before its keys. */
function readingOf(config: Config): TimestampReading {
  try {
    const c = httpSourceConfig.parse(config);
    return { read: instantReader(c), form: timestampForm(c), refusal: offsetRefusal(c) };
  } catch {
    return {};
  }
}

export class HttpSourceConnector implements SourceConnector {
  private config: Config = {};
  private logger: Logger | undefined;
  private providedKeys: ReadonlySet<string> | undefined;
  private connectorName = "";
  /** The name whose throttle the tasks share, once started. */
  private throttled: string | undefined;

  initialize(context: ConnectorContext): void {
    this.logger = context.logger;
    this.providedKeys = context.providedKeys;
    this.connectorName = context.connectorName;
  }

  start(config: Config): void {
    checkedConfig(config, this.providedKeys);
    this.config = config;
    this.throttled = this.connectorName;
    warnCompactSplits(config["http.headers"] ?? "", this.logger);
    for (const warning of castormKeyWarnings(config)) this.logger?.warn(warning);
    const unknown = unknownKeysWarning(config);
    if (unknown) this.logger?.warn(unknown);
  }

  taskConfigs(_maxTasks: number): Config[] {
    return [{ ...this.config }];
  }

  stop(): void {
    // A deleted connector must not leak its throttle; one started again (a config change, a restart) within the
    // throttle's window keeps it, so that a reconfiguration sends no more requests than one window allows.
    if (this.throttled !== undefined) releaseConnectorThrottle(this.throttled);
  }

  alterOffsets(
    config: Config,
    offsets: ReadonlyArray<{ partition: SourceMap; offset: SourceMap | null }>,
    providedKeys?: ReadonlySet<string>,
  ): boolean {
    // First: what GET hid is no value the task stored, whatever else the offsets hold.
    refuseHiddenUrls(offsets);
    // A value a config provider resolved is checked by the task, which reads it resolved; a `${a:b}`
    // no provider resolved is the user's text, which the task reads as written (unknown: any reference).
    const provided = (key: string) => providedKeys?.has(key) ?? hasConfigVariable(config[key] ?? null);
    const modeText = (config["http.offset.mode"] ?? "NONE").trim().toUpperCase();
    const mode = provided("http.offset.mode") ? undefined : (modeText as OffsetMode);
    const initial = javaTrim(config["http.initial.offset"] ?? "");
    validateAlteredOffsets(mode, offsets, readingOf(config), provided("http.initial.offset") ? undefined : initial);
    const url = config["http.url"];
    // The task's key is that of the URL it reads.
    if (url !== undefined && !provided("http.url")) validateAlteredPartitions(javaTrim(url), offsets);
    return true;
  }
}

/**
 * A WARN (once per start; the connector runs as configured) for each run of headers castorm's
 * compact form made of one value, naming them: operators upgrading from a release that kept
 * `X-Hosts:a:8080,b:8080` as one header see that it now sends two, as castorm's connector does. No
 * value is logged, nor the names following a credential header (pieces of its value, maybe).
 */
function warnCompactSplits(headers: string, logger: Logger | undefined): void {
  for (const names of compactSplitNames(headers)) {
    // After a credential header, the names are pieces of what may be its value: not shown.
    const [first = ""] = names;
    const shown = isSecretHeader(first)
      ? `${first} and ${names.length - 1} more (whose names are not shown: they may be part of its value)`
      : names.join(", ");
    logger?.warn(
      `http.headers is in castorm's compact form (no space after a header's colon nor after the comma), which starts a header at every comma before "Name:": ${shown} are sent as ${names.length} separate headers. If they are one header's value, escape its commas as \\, (e.g. Name:host1:8080\\,host2:8080)`,
    );
  }
}
