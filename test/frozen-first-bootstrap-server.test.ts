/**
 * A listener that accepts connections and never answers (a frozen broker, as a SIGSTOPped JVM) listed first in
 * bootstrap.servers, the suite's broker second, with the default client (explore33 F1, F2). The gateway connects
 * through the broker at start and names the frozen listener in a WARN of its own, where it warned that Kafka at every
 * bootstrap server was not reachable and connected request.timeout.ms later (src/runtime/kafka-reachability.ts). Its
 * probe's request to that listener times out in the client, before the probe's limit and so before the WARN (review
 * p3boot P3-2), so every client of the process asks the broker first from then on
 * (scripts/patches/bootstrap-unresponsive.mjs): an ingest connector created afterwards answers its first record 200,
 * where its producer waited request.timeout.ms on the listener first and the record was answered 503.
 * test/frozen-bootstrap-broker.test.ts freezes a broker of a real 3-node cluster.
 */
import { expect, test } from "bun:test";
import { createIngestConnector, startIngestGateway } from "./support/gateway.ts";
import { kafkaBroker, readAll, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";

test("a frozen first bootstrap server: connected through the others at start, and a new ingest connector writes at once", async () => {
  await using dir = await tempDir("frozen-first-");
  await using frozen = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data: () => {} } });
  const frozenAt = `127.0.0.1:${frozen.port}`;
  const { gw, ingest } = await startIngestGateway(dir, {
    "bootstrap.servers": `${frozenAt},${(await kafkaBroker()).bootstrap}`,
  });
  await using _gw = gw;
  await gw.waitForOutput(
    new RegExp(
      `WARN Kafka broker ${frozenAt} of bootstrap\\.servers did not answer \\(Failed to connect the admin client: Request timed out\\)`,
    ),
  );
  expect(gw.output()).toContain("INFO Connected to Kafka cluster");
  expect(gw.output()).not.toContain("is not reachable");

  const topic = uniqueTopic("frozen-first");
  await createIngestConnector(gw, "ingest", { "ingest.path": "/in", "kafka.topic": topic });
  const answer = await fetch(`${ingest}/in`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ n: 0 }),
  });
  expect({ status: answer.status, body: await answer.text() }).toMatchObject({ status: 200 });
  expect((await readAll(topic)).map((r) => r.value?.toString())).toEqual(['{"n":0}']);
  expect(await gw.stop()).toBe(0);
}, 120_000);
