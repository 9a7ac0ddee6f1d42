/**
 * An app under test (app-*.test.ts): startApp on `dir` with REST and ingest listeners on free
 * loopback ports, a MemoryKafka and a bootstrap.servers nothing answers on, and logs dropped
 * unless `options` says otherwise.
 */
import type { TempDir } from "../test/support/temp-dir.ts";
import { type App, type AppOptions, startApp } from "./app.ts";
import { MemoryKafka } from "./kafka/memory-kafka.ts";
import { LogManager } from "./util/logger.ts";
import { loadWorkerConfig } from "./worker-config.ts";

/** `worker`: worker.properties keys added to (or replacing) the app's. */
export function testApp(
  dir: TempDir,
  worker: Record<string, string> = {},
  options: Omit<AppOptions, "config"> = {},
): App {
  return startApp({
    config: loadWorkerConfig({
      "bootstrap.servers": "127.0.0.1:9",
      "data.dir": dir.path,
      listeners: "http://127.0.0.1:0",
      "ingest.listeners": "http://127.0.0.1:0",
      ...worker,
    }),
    kafka: new MemoryKafka(),
    logs: new LogManager({ sink: () => {} }),
    ...options,
  });
}
