/**
 * Descriptor of the HTTP source connector: Confluent's class name so the HTTP Source document's
 * configs work unchanged, the gateway's own io.edgegateway.connect.http.HttpSourceConnector, and the
 * aliases HttpSource and HttpSourceConnector.
 */
import type { SourceConnectorDescriptor } from "../../plugin/descriptor.ts";
import { GATEWAY_VERSION } from "../../version.ts";
import { httpSourceConfig } from "./config.ts";
import { crossKeyErrors, parseHttpSourceConfig } from "./config-rules.ts";
import { HttpSourceConnector } from "./connector.ts";
import { HttpSourceTask } from "./task.ts";
import { validationOnlyProblems } from "./validation-only.ts";

export const HTTP_SOURCE_CONNECTOR = "io.confluent.connect.http.HttpSourceConnector";
export const HTTP_SOURCE_TASK = "io.confluent.connect.http.HttpSourceTask";
/** The gateway's own class name; HttpSource and HttpSourceConnector are computed aliases of both. */
export const HTTP_SOURCE_ALIASES = ["io.edgegateway.connect.http.HttpSourceConnector"];

export const httpSource: SourceConnectorDescriptor = {
  type: "source",
  className: HTTP_SOURCE_CONNECTOR,
  aliases: HTTP_SOURCE_ALIASES,
  version: GATEWAY_VERSION,
  config: httpSourceConfig,
  summary:
    "Polls an HTTP API on an interval or cron schedule and writes the records of each response (selected by JSONPath) to a Kafka topic, following OFFSET, CURSOR or Link-header pagination, with BASIC or OAuth2 authentication, TLS/mTLS from JKS, PKCS12 or PEM stores, retries with Retry-After, rate limits, and an offset (timestamp or cursor) that resumes after a restart.",
  taskClass: HTTP_SOURCE_TASK,
  validate: (config) => crossKeyErrors(parseHttpSourceConfig(config)),
  validationOnly: validationOnlyProblems,
  create: () => new HttpSourceConnector(),
  createTask: () => new HttpSourceTask(),
};
