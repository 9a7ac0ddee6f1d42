// polish30: typos of the source's own keys (`behaviour.on.error`) ran as if unset, in silence.
import { describe, expect, test } from "bun:test";
import { systemClock } from "../../util/clock.ts";
import { LogManager } from "../../util/logger.ts";
import { HttpSourceConnector } from "./connector.ts";

const base = { "connector.class": "HttpSource", "http.url": "http://127.0.0.1:9/items", "kafka.topic": "items" };

function warningsAtStart(config: Record<string, string>): string[] {
  const lines: string[] = [];
  const logs = new LogManager({ sink: (line) => lines.push(line), rootLevel: "INFO" });
  const connector = new HttpSourceConnector();
  connector.initialize({
    logger: logs.get("io.edgegateway.connect.http.HttpSourceConnector"),
    clock: systemClock,
    connectorName: "source",
    requestTaskReconfiguration: () => undefined,
    raiseError: () => undefined,
  });
  connector.start({ ...base, ...config });
  return lines.filter((l) => l.includes("WARN"));
}

describe("HttpSourceConnector with keys of its namespaces it does not read", () => {
  test("one WARN at start names them, each with the key it likely means, never a value", () => {
    const warnings = warningsAtStart({
      "behaviour.on.error": "value-1",
      "http.retry.max-attempts": "value-2",
      "http.no.such.option": "value-3",
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(
      "The HTTP source does not read behaviour.on.error (behavior.on.error?), http.retry.max-attempts (http.retry.max.attempts?), http.no.such.option: they are ignored (its keys: GET /connector-plugins/HttpSource/config)",
    );
    expect(warnings[0]).not.toContain("value-");
  });

  test("castorm's keys get their own WARN only; declared keys and keys outside its namespaces none", () => {
    const warnings = warningsAtStart({
      "http.timer.interval.millis": "1000",
      "http.retry.max.attempts": "3",
      "behavior.on.error": "log",
      "errors.tolerance": "all",
      "producer.override.linger.ms": "5",
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("http.timer.interval.millis is a key of castorm's HTTP source connector");
  });
});
