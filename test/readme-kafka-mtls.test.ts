/**
 * The README's worker block for brokers that require a client certificate (the properties block
 * under "## Configuration", "Brokers that require a client certificate (mTLS)"), read as the
 * gateway reads its worker file: with it the gateway (the compiled binary under GATEWAY_BIN) reads
 * the cluster id at start through the broker's mTLS listener, a FileStreamSource's producer writes a
 * line and a FileStreamSink's consumer reads it back; no key store password reaches the log.
 *
 * Substitutions, the only ones a shared test machine needs: `broker-1.example:9093` → the test
 * broker's mTLS listener (scripts/kafka's `bootstrap_mtls`, ssl.client.auth=required), and
 * `/etc/gateway` → a scratch directory holding the user's files: `kafka-ca.pem` (the broker's CA),
 * `gateway-client.p12` (the client certificate the broker trusts, PKCS12) and `secrets.properties`
 * with its password. Worker keys the block leaves out are the test's: listeners (port 0), data.dir.
 */
import { describe, expect, test } from "bun:test";
import { copyFileSync, writeFileSync } from "node:fs";
import { makeMtlsKeyStores, mtlsBroker, STORE_PASSWORD } from "./support/broker-mtls.ts";
import { startGateway } from "./support/gateway.ts";
import { readTopic, uniqueTopic } from "./support/kafka.ts";
import { parseProperties, readmeBlock, substitute } from "./support/readme.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const STRING = "org.apache.kafka.connect.storage.StringConverter";

describe("README: a broker that requires a client certificate", () => {
  test("the worker block works as written: admin, a source's producer and a sink's consumer pass the listener", async () => {
    const { info, mtls } = await mtlsBroker();
    await using dir = await tempDir("readme-kafka-mtls-");
    const stores = await makeMtlsKeyStores(dir.path, mtls);
    // The user's files under /etc/gateway.
    copyFileSync(info.sslCa, dir.file("kafka-ca.pem"));
    copyFileSync(stores.pkcs12["ssl.keystore.location"]!, dir.file("gateway-client.p12"));
    writeFileSync(dir.file("secrets.properties"), `keystore.password=${STORE_PASSWORD}\n`);

    const block = substitute(
      readmeBlock("## Configuration", { marker: "Brokers that require a client certificate (mTLS)" }),
      [
        ["broker-1.example:9093", mtls.bootstrap],
        ["/etc/gateway", dir.path],
      ],
    );
    await using gw = await startGateway({
      dir: dir.path,
      worker: { ...parseProperties(block), listeners: "http://127.0.0.1:0", "data.dir": dir.file("data") },
    });
    await waitFor(async () => (await gw.rest.get<any>("/")).body.kafka_cluster_id === info.clusterId, {
      what: "the cluster id read through the mTLS listener",
    });

    const topic = uniqueTopic("readme-mtls");
    writeFileSync(dir.file("in.txt"), "through mTLS\n");
    const source = await gw.rest.post("/connectors", {
      name: "mtls-in",
      config: { "connector.class": "FileStreamSource", file: dir.file("in.txt"), topic, "value.converter": STRING },
    });
    expect(source.status).toBe(201);
    expect((await readTopic(topic, 1)).map((r) => r.value?.toString())).toEqual(["through mTLS"]);
    const sink = await gw.rest.post("/connectors", {
      // A name (so a consumer group) of its own: the README names no connector, and overlapping
      // runs on the shared broker would otherwise share the group.
      name: uniqueTopic("mtls-out"),
      config: {
        "connector.class": "FileStreamSink",
        file: dir.file("out.txt"),
        topics: topic,
        "value.converter": STRING,
      },
    });
    expect(sink.status).toBe(201);
    await waitFor(
      async () =>
        (await Bun.file(dir.file("out.txt")).exists()) &&
        (await Bun.file(dir.file("out.txt")).text()) === "through mTLS\n",
      {
        what: "the sink's line",
      },
    );
    expect(gw.output()).not.toContain(STORE_PASSWORD);
  }, 60_000);
});
