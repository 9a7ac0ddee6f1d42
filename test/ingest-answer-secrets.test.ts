/**
 * A device's answers hide what config providers resolved for the connector, as the REST API's
 * answers do (status traces: StatusWriter.redact, the log manager's secrets then the connector's
 * resolved values): here MaskField's replacement comes from `${env:MASK}` and cannot replace a
 * number, and the 422 quotes the transformation's error, which quotes the value. Before
 * (crlreload, P3), a failed record's message went to the device unredacted (even a value the
 * logs hide), and error messages passed the logs' rule only (no value under 4 characters).
 */
import { describe, expect, test } from "bun:test";
import { INGEST_WORKER, ingestUrlOf, startGateway } from "./support/gateway.ts";
import { kafkaBroker, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

describe("ingest answers and config provider values", () => {
  test.each([
    ["a long value", "pr0vider-s3cret-mask"],
    ["a 3-character value", "zq7"],
  ])("%s resolved for the connector does not reach the device", async (_, secret) => {
    await using dir = await tempDir("ingest-answer-secrets-");
    await using gw = await startGateway({
      dir: dir.path,
      worker: {
        ...INGEST_WORKER,
        "bootstrap.servers": (await kafkaBroker()).bootstrap,
        "data.dir": dir.file("data"),
        "config.providers": "env",
        "config.providers.env.class": "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
      },
      env: { MASK: secret },
    });
    const url = `${await ingestUrlOf(gw)}/ingest/secret`;
    const created = await gw.rest.post("/connectors", {
      name: "secret",
      config: {
        "connector.class": "HttpIngestSource",
        "ingest.path": "/ingest/secret",
        "kafka.topic": uniqueTopic("answer-secrets"),
        transforms: "mask",
        "transforms.mask.type": "org.apache.kafka.connect.transforms.MaskField$Value",
        "transforms.mask.fields": "n",
        "transforms.mask.replacement": "${env:MASK}",
      },
    });
    expect(created.status).toBe(201);
    const post = () => fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: '{"n":1}' });
    const refused = await waitFor(
      async () => {
        const answer = await post();
        return answer.status !== 404 && answer;
      },
      { what: "the route" },
    );
    const body = await refused.text();
    expect({ status: refused.status, error: JSON.parse(body).offsets[0].error }).toEqual({
      status: 422,
      error: expect.stringContaining("Unable to convert [hidden] (class java.lang.String) to a number"),
    });
    expect(body).not.toContain(secret);
  });
});
