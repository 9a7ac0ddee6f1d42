/**
 * Descriptor of the HTTP sink connector (aliases HttpSinkConnector and HttpSink, derived by the
 * registry from the class name).
 */
import type { SinkConnectorDescriptor } from "../../plugin/descriptor.ts";
import { GATEWAY_VERSION } from "../../version.ts";
import { HTTP_SINK_CONNECTOR, HTTP_SINK_TASK, httpSinkConfig } from "./config.ts";
import { HttpSinkConnector } from "./connector.ts";
import { crossKeyErrors } from "./cross-key-checks.ts";
import { formatConverters } from "./format.ts";
import { HttpSinkTask } from "./task.ts";
import { sinkValidationOnly } from "./validation-only.ts";

export const httpSink: SinkConnectorDescriptor = {
  type: "sink",
  className: HTTP_SINK_CONNECTOR,
  version: GATEWAY_VERSION,
  config: httpSinkConfig,
  summary:
    "Sends records from Kafka topics to an HTTP endpoint with POST or PUT: in batches (a JSON array of the records' converted values) or one request per record, in order per partition, with retries, errors.tolerance and the dead letter queue for rejected records, TLS/mTLS, Basic and OIDC bearer authentication. Options are those of Flink's HTTP sink; each key is also accepted with the `flink.connector.http.` and `http.` prefixes. Static headers: `sink.header.<NAME>=<value>` (any number, same prefixes; a value is sent without surrounding white space, as HTTP has it); a `sink.header.Authorization` value is sent as Basic credentials (base64-encoded unless it starts with `Basic` or `use-raw-authorization-header=true`).",
  taskClass: HTTP_SINK_TASK,
  validate: (config) => httpSinkConfig.namingWrittenKeys(config, crossKeyErrors(config)),
  // Refused by validation, only a WARN at start: a config stored before these rules still runs.
  validationOnly: sinkValidationOnly,
  impliedConverters: formatConverters,
  create: () => new HttpSinkConnector(),
  createTask: () => new HttpSinkTask(),
};
