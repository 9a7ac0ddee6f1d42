/**
 * The HttpIngestSource connector's descriptor. It needs the worker's ingest route table (and the
 * stage factory of device security), so the descriptor is built by the composition root with
 * them; `httpIngestSource` without services gets a table no listener serves (docs, contract tests).
 */
import { aclAmbiguityProblems } from "../../ingest/auth/acl-ambiguity.ts";
import { privateVerifierKeyProblems } from "../../ingest/auth/ingest-auth-files.ts";
import { passThroughStagesFactory } from "../../ingest/request-context.ts";
import { IngestRouteTable } from "../../ingest/route-table.ts";
import { spoolMode } from "../../ingest/spool/spool-config.ts";
import { topicNameProblems } from "../../kafka/topic-name.ts";
import type { SourceConnectorDescriptor } from "../../plugin/descriptor.ts";
import { GATEWAY_VERSION } from "../../version.ts";
import {
  HTTP_INGEST_ALIASES,
  HTTP_INGEST_CONNECTOR,
  HTTP_INGEST_TASK,
  headerNameProblems,
  httpIngestConfig,
  keyFieldPathProblems,
} from "./config.ts";
import { type HttpIngestServices, HttpIngestSourceConnector, validateHttpIngest } from "./connector.ts";
import { credentialHeaderProblems } from "./credential-headers.ts";
import { requestFitsQueueProblems } from "./request-fits-queue.ts";
import { REST_PROXY_TOPIC_KEYS, restProxyTopicConflicts } from "./rest-proxy-topics.ts";
import { HttpIngestSourceTask } from "./task.ts";

export function httpIngestSource(
  services: HttpIngestServices = { routes: new IngestRouteTable(), stages: passThroughStagesFactory },
): SourceConnectorDescriptor {
  return {
    type: "source",
    className: HTTP_INGEST_CONNECTOR,
    aliases: HTTP_INGEST_ALIASES,
    version: GATEWAY_VERSION,
    config: httpIngestConfig,
    summary:
      "Devices POST records over HTTP to ingest.path on the ingest listener (single JSON documents, raw bodies, JSON arrays, NDJSON, and Confluent REST Proxy v2/v3 produce requests); each request is answered once Kafka acknowledged all of its records.",
    taskClass: HTTP_INGEST_TASK,
    uniqueKeys: ["ingest.path"],
    conflicts: restProxyTopicConflicts,
    conflictKeys: REST_PROXY_TOPIC_KEYS,
    validate: validateHttpIngest,
    // Refused by validation, only a WARN at start: a config stored before the rule still works
    // (its large requests wait for an empty queue; its credential headers are not copied; a header
    // no request carries is never read; an ambiguous ACL entry matches the name in every
    // authentication method's namespace, as it did; a topic name Kafka refuses fails its sends, as it did;
    // an ingest.key.field filter gives a null key where it failed the request; a private key at
    // ingest.auth.jwt.public.key.location verifies with its derived public key).
    validationOnly: (config) => {
      const parsed = httpIngestConfig.parse(config);
      return [
        ...requestFitsQueueProblems(parsed),
        ...credentialHeaderProblems(parsed),
        ...headerNameProblems(parsed),
        ...keyFieldPathProblems(parsed),
        ...aclAmbiguityProblems(parsed),
        ...privateVerifierKeyProblems(parsed),
        ...topicNameProblems("kafka.topic", [parsed["kafka.topic"]], { empty: false }),
        ...topicNameProblems("ingest.rest.proxy.topics", parsed["ingest.rest.proxy.topics"], { empty: true }),
      ];
    },
    converterDefaults: {
      "key.converter": { "schemas.enable": "false" },
      "value.converter": { "schemas.enable": "false" },
    },
    create: () => new HttpIngestSourceConnector(services),
    createTask: () => new HttpIngestSourceTask(services),
    // The spool drainer promises spool order per partition: on a producer that is not idempotent
    // the worker then keeps one request in flight (a retried batch cannot land after a later one).
    keepsOrder: spoolMode,
    // A config change stops the tasks before the new instance reopens the route (review67).
    tasksServeRequests: true,
  };
}
