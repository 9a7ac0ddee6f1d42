/**
 * Whole gateway (the compiled binary when GATEWAY_BIN is set): a stalled body on the https ingest
 * listener of a route whose ingest.request.timeout.ms is above
 * ingest.listeners.https.request.body.timeout.ms is answered 408 in REST Proxy's error shape at
 * the route's deadline, as on the plain listener (test/ingest-limits.test.ts "slow bodies"), and
 * the connection closes (ingestp4: the connection was closed unanswered at the body timeout). The
 * real broker, a server certificate made with openssl, a raw TLS client.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { parseResponse } from "./fixtures/connect-rest/raw-http.ts";
import { createIngestConnector } from "./support/gateway.ts";
import { httpsIngestSuite } from "./support/https-ingest-suite.ts";
import { uniqueTopic } from "./support/kafka.ts";
import { tlsClient } from "./support/tls-client.ts";

const PATH = "/ingest/slow";
const suite = httpsIngestSuite({ "ingest.listeners.https.request.body.timeout.ms": "300" });

beforeAll(async () => {
  await createIngestConnector(suite.gw, "slow-https", {
    "ingest.path": PATH,
    "kafka.topic": uniqueTopic("ingest-https-slow-body"),
    "ingest.request.timeout.ms": "1500",
  });
}, 120_000);

describe("a stalled body on the https ingest listener", () => {
  test("is 408 at the route's ingest.request.timeout.ms, not cut unanswered at the body timeout", async () => {
    using client = await tlsClient(suite.port, suite.pki.caCert);
    client.socket.write(
      `POST ${PATH} HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":`,
    );
    await client.closed;
    const answer = parseResponse(Buffer.from(client.text(), "latin1"));
    expect({
      status: answer.status,
      connection: answer.headers.connection,
      body: answer.body && JSON.parse(answer.body),
    }).toEqual({
      status: 408,
      connection: "close",
      body: { error_code: 408, message: "The request body did not arrive within 1500 ms (ingest.request.timeout.ms)" },
    });
  });
});
