/**
 * One gateway for a whole test file (or describe block): started in `beforeAll` on the shared test
 * broker with its own temp data dir, stopped and removed in `afterAll`. `worker` holds the file's
 * worker.properties keys, or a function of the temp dir that returns them (for keys naming files the
 * test makes there before start: TLS material, credentials). `bootstrap.servers` and `data.dir` are
 * set here, over the file's keys (so a README's worker file can be passed as it is). When the worker
 * has `ingest.listeners`, start also waits for the ingest listener. Read `gw`, `dir`, `kafka` and
 * `ingest` inside tests and later hooks (they exist once this `beforeAll` ran).
 */
import { afterAll, beforeAll } from "bun:test";
import { type Gateway, startGateway } from "./gateway.ts";
import { type KafkaInfo, kafkaBroker } from "./kafka.ts";
import { type TempDir, tempDir } from "./temp-dir.ts";

type WorkerKeys = Record<string, string>;

export interface SuiteGateway {
  readonly gw: Gateway;
  readonly dir: TempDir;
  readonly kafka: KafkaInfo;
  /** The ingest listener's base URL, without a trailing slash (only with `ingest.listeners`). */
  readonly ingest: string;
}

export function suiteGateway(
  worker: WorkerKeys | ((dir: TempDir) => WorkerKeys | Promise<WorkerKeys>) = {},
): SuiteGateway {
  const suite: { gw?: Gateway; dir?: TempDir; kafka?: KafkaInfo; ingest?: string } = {};
  beforeAll(async () => {
    suite.kafka = await kafkaBroker();
    suite.dir = await tempDir();
    const keys = typeof worker === "function" ? await worker(suite.dir) : worker;
    suite.gw = await startGateway({
      dir: suite.dir.path,
      worker: { ...keys, "bootstrap.servers": suite.kafka.bootstrap, "data.dir": suite.dir.file("data") },
    });
    if (keys["ingest.listeners"] !== undefined) {
      suite.ingest = (await suite.gw.waitForOutput(/Ingest listener open at (https?:\/\/\S+?)\/?\s/))[1];
    }
  });
  afterAll(async () => {
    await suite.gw?.stop();
    await suite.dir?.[Symbol.asyncDispose]();
  });
  return {
    get gw() {
      return suite.gw!;
    },
    get dir() {
      return suite.dir!;
    },
    get kafka() {
      return suite.kafka!;
    },
    get ingest() {
      if (suite.ingest === undefined) throw new Error("this suite's worker has no ingest.listeners");
      return suite.ingest;
    },
  };
}
