/**
 * An ingest connector naming a REST Proxy topic in ingest.rest.proxy.topics serves it rather than
 * another connector accepting it (their kafka.topic). When its start failed after parsing (its
 * stages: an authentication key file gone, a transform that cannot be built), it opened no route,
 * so the other connector alone accepted the topic and served it, with its own (weaker)
 * authentication, ACLs and transforms: the naming connector failing opened the topic (review45).
 * Now it reserves its suspended route first: its path and its topics answer 503, as after a failed
 * restart, until it starts or is deleted or stopped.
 */
import { expect, test } from "bun:test";
import type { ConnectorContext } from "../../api/connector.ts";
import { passThroughStages } from "../../ingest/request-context.ts";
import { IngestRouteTable } from "../../ingest/route-table.ts";
import { testSettings } from "../../ingest/test-support.ts";
import { HttpIngestSourceConnector } from "./connector.ts";

test("a connector naming a shared REST Proxy topic that fails to start leaves it to no other connector", async () => {
  const routes = new IngestRouteTable((connector) =>
    connector === "strict" || connector === "open" ? "STARTED" : undefined,
  );
  routes.open("open", testSettings({ "ingest.path": "/open", "kafka.topic": "t" }), passThroughStages);
  expect(routes.byTopic("t")?.connector).toBe("open");
  const strict = new HttpIngestSourceConnector({
    routes,
    stages: () => {
      throw new Error("cannot read /etc/issuer.pem");
    },
  });
  strict.initialize({ connectorName: "strict" } as ConnectorContext);
  const config = {
    name: "strict",
    "connector.class": "HttpIngestSource",
    "ingest.path": "/strict",
    "kafka.topic": "t",
    "ingest.rest.proxy.topics": "t",
  };
  await expect(strict.start(config)).rejects.toThrow("cannot read");
  const route = routes.byTopic("t");
  expect(route?.connector).toBe("strict");
  expect(route?.state).toBe("suspended");
  expect(routes.byPath("/strict")?.state).toBe("suspended");
});

// p3ingest 3: stages built for a start that then failed to open its route stayed open, holding the connector's kept
// basic attempt guard (and quota buckets) counted for good.
test("a connector whose path another connector serves closes the stages it built", async () => {
  const routes = new IngestRouteTable(() => "STARTED");
  routes.open("first", testSettings({ "ingest.path": "/taken", "kafka.topic": "t" }), passThroughStages);
  let closed = 0;
  const second = new HttpIngestSourceConnector({
    routes,
    stages: () => ({ ...passThroughStages, close: () => void closed++ }),
  });
  second.initialize({ connectorName: "second" } as ConnectorContext);
  const config = { name: "second", "connector.class": "HttpIngestSource", "ingest.path": "/taken", "kafka.topic": "u" };
  await expect(second.start(config)).rejects.toThrow("ingest.path /taken is already served by connector first");
  expect(closed).toBe(1);
  expect(routes.byPath("/taken")?.connector).toBe("first");
});
