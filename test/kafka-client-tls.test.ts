/**
 * The Kafka clients' TLS (both adapters) against a broker whose certificate chain is a fleet's
 * real PKI: a TLS front (node:tls) on the shared broker's PLAINTEXT listener presents a leaf
 * signed by an intermediate CA, with the intermediate; the client trusts only the root (PEM, as
 * `ssl.truststore.location`). Host name verification follows ssl.endpoint.identification.algorithm
 * as Java's client: `https` (the default) needs the address in the certificate's SANs, empty
 * skips it; the chain is verified either way. The front counts the bytes it forwards: a client
 * that accepted the handshake sent its first request (kafkajs then goes to the broker's advertised
 * PLAINTEXT address with TLS and fails there, an artefact of the front, so only the bytes are
 * asserted). openssl makes the material at test time. (tlshunt 2026-12-02: all passed, no fix.)
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { connect as tcpConnect } from "node:net";
import { createServer, type Server } from "node:tls";
import { kafkaPorts } from "../src/kafka/kafka-ports.ts";
import { LogManager } from "../src/util/logger.ts";
import { makeEcLeaf, makeEcRootAndIntermediate } from "./support/ec-chain.ts";
import { type KafkaInfo, kafkaBroker } from "./support/kafka.ts";
import { type TempDir, tempDir } from "./support/temp-dir.ts";

let info: KafkaInfo;
let dir: TempDir;
const fronts: Server[] = [];

interface Front {
  readonly port: number;
  /** Bytes forwarded from clients that completed the handshake. */
  readonly forwarded: () => number;
}

/** A TLS front on the broker's PLAINTEXT listener presenting `cert` (PEM, leaf first). */
function front(cert: string, key: string): Promise<Front> {
  let forwarded = 0;
  const [host, port] = info.bootstrap.split(":") as [string, string];
  const server = createServer({ cert, key }, (tls) => {
    const plain = tcpConnect(Number(port), host);
    tls.on("data", (chunk: Buffer) => {
      forwarded += chunk.length;
    });
    tls.pipe(plain).pipe(tls);
    const end = () => {
      tls.destroy();
      plain.destroy();
    };
    tls.on("error", end).on("close", end);
    plain.on("error", end).on("close", end);
  });
  fronts.push(server);
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({ port: (server.address() as { port: number }).port, forwarded: () => forwarded }),
    ),
  );
}

beforeAll(async () => {
  info = await kafkaBroker();
  dir = await tempDir("kafka-client-tls-");
  await makeEcRootAndIntermediate(dir.path);
  for (const [name, san] of [
    ["ip", "IP:127.0.0.1"],
    ["other", "DNS:broker.other.example"],
  ] as const)
    await makeEcLeaf(dir.path, name, [`subjectAltName=${san}`, "extendedKeyUsage=serverAuth"]);
}, 60_000);

afterAll(async () => {
  for (const f of fronts) f.close();
  await dir?.[Symbol.asyncDispose]();
});

const read = (name: string) => readFileSync(dir.file(name), "utf8");

describe.each(Object.keys(kafkaPorts) as (keyof typeof kafkaPorts)[])("Kafka client TLS, adapter %s", (adapter) => {
  const port = () => kafkaPorts[adapter](new LogManager({ sink: () => {} }));
  const props = (bootstrap: number, extra: Record<string, string> = {}) => ({
    "bootstrap.servers": `127.0.0.1:${bootstrap}`,
    "security.protocol": "SSL",
    "ssl.truststore.type": "PEM",
    "ssl.truststore.location": dir.file("root.pem"),
    "request.timeout.ms": "5000",
    "default.api.timeout.ms": "5000",
    ...extra,
  });
  async function clusterId(p: Record<string, string>): Promise<string> {
    const admin = await port().admin(p);
    try {
      return await admin.clusterId();
    } finally {
      await admin.close();
    }
  }
  /** The client talked Kafka through the front: the handshake was accepted. */
  async function accepted(f: Front, extra: Record<string, string> = {}): Promise<void> {
    await clusterId(props(f.port, extra)).catch(() => "");
    expect(f.forwarded()).toBeGreaterThan(0);
  }
  async function refused(f: Front, reason: RegExp, extra: Record<string, string> = {}): Promise<void> {
    await expect(clusterId(props(f.port, extra))).rejects.toThrow(reason);
    expect(f.forwarded()).toBe(0);
  }

  test("a leaf sent with its intermediate is trusted through the root only", async () => {
    await accepted(await front(read("ip.pem") + read("inter.pem"), read("ip.key")));
  });

  test("a certificate for another host name is refused by default (https)", async () => {
    await refused(await front(read("other.pem") + read("inter.pem"), read("other.key")), /altnames/i);
  });

  test("ssl.endpoint.identification.algorithm= (empty) skips the host name, not the chain", async () => {
    const off = { "ssl.endpoint.identification.algorithm": "" };
    await accepted(await front(read("other.pem") + read("inter.pem"), read("other.key")), off);
    await refused(await front(read("other.pem"), read("other.key")), /first certificate/i, off);
  });
});
