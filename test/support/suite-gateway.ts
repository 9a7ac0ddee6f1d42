/**
 * One gateway for a whole test file: started in `beforeAll` on the shared test broker with its own
 * temp data dir (`bootstrap.servers` and `data.dir` set here, `worker` adds the file's keys), stopped
 * and removed in `afterAll`. Read `gw`, `dir` and `kafka` inside tests (they exist once the file's
 * `beforeAll` ran).
 */
import { afterAll, beforeAll } from "bun:test";
import { type Gateway, startGateway } from "./gateway.ts";
import { type KafkaInfo, kafkaBroker } from "./kafka.ts";
import { type TempDir, tempDir } from "./temp-dir.ts";

export interface SuiteGateway {
  readonly gw: Gateway;
  readonly dir: TempDir;
  readonly kafka: KafkaInfo;
}

export function suiteGateway(worker: Record<string, string> = {}): SuiteGateway {
  const suite: { gw?: Gateway; dir?: TempDir; kafka?: KafkaInfo } = {};
  beforeAll(async () => {
    suite.kafka = await kafkaBroker();
    suite.dir = await tempDir();
    suite.gw = await startGateway({
      dir: suite.dir.path,
      worker: { "bootstrap.servers": suite.kafka.bootstrap, "data.dir": suite.dir.file("data"), ...worker },
    });
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
  };
}
