import { describe, expect, test } from "bun:test";
import { LogManager } from "./logger.ts";

describe("LogManager", () => {
  describe("when an error with causes is logged", () => {
    test("each cause follows as Caused by (the DLQ's setup failure says why), redacted like the rest", () => {
      const lines: string[] = [];
      const logs = new LogManager({ sink: (line) => lines.push(line) });
      logs.registerSecret("s3cret-value");
      const reason = new Error("Replication factor: 3 larger than available brokers: 1. (s3cret-value)");
      const error = new Error("Could not initialize dead letter queue with topic=orders-rejected", { cause: reason });
      logs.get("org.apache.kafka.connect.runtime.errors.DeadLetterQueueReporter").error("Could not produce", error);
      expect(lines).toHaveLength(1);
      const text = lines[0]!;
      expect(text).toContain("Error: Could not initialize dead letter queue with topic=orders-rejected");
      expect(text).toContain("\nCaused by: Error: Replication factor: 3 larger than available brokers: 1. ([hidden])");
      expect(text).not.toContain("s3cret-value");
    });

    test("the errors an AggregateError gathers follow as Suppressed lines (the broker's reason)", () => {
      const lines: string[] = [];
      const logs = new LogManager({ sink: (line) => lines.push(line) });
      const broker = new Error("Replication factor is below 1 or larger than the number of available brokers.");
      const response = new AggregateError(
        [broker],
        "Received response with error while executing API CreateTopics(v7)",
      );
      const client = new AggregateError([response], "Creating topics failed.");
      logs.get("x").error("Could not produce", new Error("Failed to create topic dlq", { cause: client }));
      expect(lines[0]).toContain("\nCaused by: AggregateError: Creating topics failed.\n");
      expect(lines[0]).toContain(
        [
          "\n\tSuppressed: AggregateError: Received response with error while executing API CreateTopics(v7)",
          "\t\tSuppressed: Error: Replication factor is below 1 or larger than the number of available brokers.",
        ].join("\n"),
      );
    });

    // explore27: a sink's failing commit logged the client's retries of one unreachable broker as 16 alike lines.
    test("a run of alike Suppressed errors is written once, saying how many more; different ones each", () => {
      const lines: string[] = [];
      const logs = new LogManager({ sink: (line) => lines.push(line) });
      const unreachable = () =>
        new AggregateError([new Error("Connection to 127.0.0.1:9092 failed.")], "Cannot connect to any broker.");
      const lookup = () =>
        new AggregateError(Array.from({ length: 4 }, unreachable), "findGroupCoordinator failed 4 times.");
      const client = new AggregateError(
        [lookup(), lookup(), new Error("Request timed out."), lookup()],
        "commit failed 4 times.",
      );
      logs.get("x").error("Commit of offsets threw", new Error("Failed to commit offsets", { cause: client }));
      const text = lines[0]!;
      expect(text).toContain("\nCaused by: AggregateError: commit failed 4 times.\n");
      expect(text.split("\n").filter((l) => l.includes("Suppressed: "))).toEqual([
        "\tSuppressed: AggregateError: findGroupCoordinator failed 4 times. (and 1 more like it)",
        "\t\tSuppressed: AggregateError: Cannot connect to any broker. (and 3 more like it)",
        "\t\t\tSuppressed: Error: Connection to 127.0.0.1:9092 failed.",
        "\tSuppressed: Error: Request timed out.",
        "\tSuppressed: AggregateError: findGroupCoordinator failed 4 times.",
        "\t\tSuppressed: AggregateError: Cannot connect to any broker. (and 3 more like it)",
        "\t\t\tSuppressed: Error: Connection to 127.0.0.1:9092 failed. (x)", // the logger's name ends the line
      ]);
    });

    test("a non-Error cause is written as text, and a cause chain stops after 8", () => {
      const lines: string[] = [];
      const logs = new LogManager({ sink: (line) => lines.push(line) });
      let error: unknown = "root reason";
      for (let i = 0; i < 12; i++) error = new Error(`level ${i}`, { cause: error });
      logs.get("x").warn("failed", error);
      expect(lines[0]!.match(/Caused by: /g)).toHaveLength(7);
      expect(lines[0]).toContain("Error: level 11");
      expect(lines[0]).not.toContain("root reason");
      lines.length = 0;
      logs.get("x").warn("failed", new Error("outer", { cause: "plain text reason" }));
      expect(lines[0]).toContain("\nCaused by: plain text reason");
    });
  });

  test("a lone surrogate is written as ? as Java's log encoder writes it; a JSON line escapes it", () => {
    const lines: string[] = [];
    const logs = new LogManager({ sink: (line) => lines.push(line) });
    // BigDecimal's message for "😀": the emoji's first UTF-16 unit alone.
    logs.get("x").error("Could not mask 😀", new Error("Character \uD83D is neither a decimal digit number"));
    expect(lines[0]).toContain("Could not mask 😀\nError: Character ? is neither a decimal digit number");
    expect(lines[0]!.isWellFormed()).toBe(true);
    logs.configure({ json: true });
    logs.get("x").error("Character \uD83D");
    expect(JSON.parse(lines[1]!).message).toBe("Character \uD83D");
  });

  describe("redact", () => {
    test("a secret inside another (a provider value within a password) hides the whole of the longer one", () => {
      const logs = new LogManager({ sink: () => {} });
      // Held first: a provider-resolved topic; then a password that contains it.
      logs.holdSecrets(["orders"]);
      logs.holdSecrets(["orders-api-Pa55w0rd"]);
      expect(logs.redact("auth failed for orders-api-Pa55w0rd on orders")).toBe("auth failed for [hidden] on [hidden]");
    });

    // explore25 F1: an endpoint's JSON echo of a provider value showed it escaped in WARN/ERROR/TRACE lines.
    test("a held or registered secret is hidden JSON-escaped and percent-encoded too", () => {
      const logs = new LogManager({ sink: () => {} });
      logs.holdSecrets(['SECRET-Q"UOTE57']);
      logs.registerSecret("SECRET/SLK51");
      expect(logs.redact('{"h":"SECRET-Q\\"UOTE57","k":"SECRET\\/SLK51","u":"/SECRET%2FSLK51"}')).toBe(
        '{"h":"[hidden]","k":"[hidden]","u":"/[hidden]"}',
      );
    });

    // review P2-2: holding "\r\n" hid the `\r\n` of every JSON log line, "a b" every `a%20b`.
    test("a secret that trims to under 4 characters is not hidden in its escaped forms", () => {
      const logs = new LogManager({ sink: () => {} });
      logs.holdSecrets(["\r\n", "a b"]);
      logs.registerSecret(" ä ");
      const text = '{"body":"line\\r\\n","url":"/s?q=a%20b","name":"J\\u00e4ger"}';
      expect(logs.redact(text)).toBe(text);
      expect(logs.secretCount).toBe(0);
    });

    test("secrets overlapping in the text hide their union, whatever order they were held in", () => {
      for (const order of [
        ["abcd-XY12", "XY12-efgh"],
        ["XY12-efgh", "abcd-XY12"],
      ]) {
        const logs = new LogManager({ sink: () => {} });
        for (const s of order) logs.registerSecret(s);
        expect(logs.redact("k=abcd-XY12-efgh;")).toBe("k=[hidden];");
        expect(logs.redact("abcd-XY12 XY12-efgh")).toBe("[hidden] [hidden]");
      }
    });

    // explore3 H3: with a password `http` every line read `GET [hidden]s://…`.
    test("a password that is an ordinary word leaves the words it is part of, and hides itself", () => {
      const lines: string[] = [];
      const logs = new LogManager({ sink: (line) => lines.push(line) });
      logs.holdSecrets(["http", "store"]);
      logs.get("test").warn('GET https://h/x failed: wrong password for the keystore; sent "store" as http');
      expect(lines[0]).toContain(
        'GET https://h/x failed: wrong password for the keystore; sent "[hidden]" as [hidden]',
      );
    });
  });

  describe("redact with many secrets held (indexed once, then read in one pass)", () => {
    test("a secret held, released or registered after a line was redacted counts for the next line", () => {
      const logs = new LogManager({ sink: () => {} });
      const releases = Array.from({ length: 100 }, (_, i) => logs.holdSecrets([`pw-${i}-Pa55`]));
      expect(logs.redact("a pw-7-Pa55 b pw-99-Pa55")).toBe("a [hidden] b [hidden]");
      releases[7]!();
      expect(logs.redact("a pw-7-Pa55 b pw-99-Pa55")).toBe("a pw-7-Pa55 b [hidden]");
      const release = logs.holdSecrets(["t0ken-new"]);
      logs.registerSecret("reg1stered");
      expect(logs.redact("t0ken-new reg1stered pw-7-Pa55")).toBe("[hidden] [hidden] pw-7-Pa55");
      release();
      expect(logs.redact("t0ken-new reg1stered")).toBe("t0ken-new [hidden]");
      expect(logs.redact("short pw")).toBe("short pw");
    });
  });

  describe("levels, as Connect 4.3.1's /admin/loggers answered them (recorded 2026-12-01)", () => {
    test("setLevel returns only the loggers whose own or inherited level changed", () => {
      const logs = new LogManager({ sink: () => {} });
      logs.get("r.Worker");
      logs.get("r.sub.Herder");
      expect(logs.setLevel("root", "INFO", 1)).toEqual([]);
      expect(logs.setLevel("x.y", "INFO", 2)).toEqual([]);
      expect(logs.level("x.y")).toEqual({ level: "INFO", lastModified: null });
      expect(logs.setLevel("x.y", "DEBUG", 3)).toEqual(["x.y"]);
      expect(logs.setLevel("x.y", "DEBUG", 4)).toEqual([]);
      expect(logs.setLevel("x", "DEBUG", 5)).toEqual(["x"]);
      expect(logs.setLevel("x", "WARN", 6)).toEqual(["x", "x.y"]);
      expect(logs.level("x.y")).toEqual({ level: "WARN", lastModified: 6 });
      expect(logs.setLevel("r", "INFO", 7)).toEqual([]);
      expect(logs.setLevel("r", "DEBUG", 8)).toEqual(["r", "r.Worker", "r.sub.Herder"]);
      expect(logs.setLevel("root", "WARN", 9)).toEqual(["r", "r.Worker", "r.sub.Herder", "root"]);
    });

    // Found by scripts/diff-connect (seed 7): Connect takes the level before from allLevels, which
    // leaves loggers at OFF out, so a logger at OFF is "changed" by any level, OFF again included.
    test("setLevel counts a logger at OFF as changed, even when set to OFF again", () => {
      const logs = new LogManager({ sink: () => {} });
      logs.get("o.A");
      expect(logs.setLevel("o", "OFF", 1)).toEqual(["o", "o.A"]);
      expect(logs.setLevel("o", "OFF", 2)).toEqual(["o", "o.A"]);
      expect(logs.level("o.A")).toEqual({ level: "OFF", lastModified: 2 });
      expect(logs.setLevel("o.A", "INFO", 3)).toEqual(["o.A"]);
      expect(logs.setLevel("o", "INFO", 4)).toEqual(["o"]);
    });

    test("allLevels lists every known logger with its inherited level, leaving out those at OFF", () => {
      const logs = new LogManager({ sink: () => {} });
      logs.get("a.b.C");
      logs.get("q.Z");
      logs.setLevel("a", "DEBUG", 10);
      logs.setLevel("q", "OFF", 11);
      expect(logs.allLevels()).toEqual([
        ["a", { level: "DEBUG", lastModified: 10 }],
        ["a.b.C", { level: "DEBUG", lastModified: 10 }],
        ["root", { level: "INFO", lastModified: null }],
      ]);
    });
  });
});
