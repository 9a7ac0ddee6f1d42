import { describe, expect, test } from "bun:test";
import { logManager } from "../../util/logger.ts";
import { startTask } from "./test-support.ts";

describe("HttpSourceTask's sensitive header values", () => {
  test("are hidden from the logs while the task runs and forgotten when it stops (rotated tokens do not pile up)", async () => {
    const baseline = logManager.secretCount;
    for (let i = 0; i < 30; i++) {
      const h = await startTask({
        "http.url": "http://127.0.0.1:9/events",
        "http.headers": `Authorization: Bearer rotated-token-${i}, Accept: application/json`,
      });
      expect(logManager.redact(`sent rotated-token-${i}`)).toBe("sent [hidden]");
      h.task.stop();
      expect(logManager.redact(`rotated-token-${i}`)).toBe(`rotated-token-${i}`);
    }
    expect(logManager.secretCount).toBe(baseline);
  });

  // The http.headers doc promises that values of key headers are never logged, whatever the name.
  test.each(["Ocp-Apim-Subscription-Key", "DD-Application-Key", "Access-Key", "X-Api-Key", "Private-Token", "X-Auth"])(
    "a %s header's value is hidden from the logs while the task runs",
    async (name) => {
      const h = await startTask({
        "http.url": "http://127.0.0.1:9/events",
        "http.headers": `${name}: k3y-of-${name}, Accept: application/json`,
      });
      try {
        expect(logManager.redact(`echoed k3y-of-${name}`)).toBe("echoed [hidden]");
      } finally {
        h.task.stop();
      }
    },
  );

  test("a key header's value led by a digit after a host:port list is hidden as well (not taken into the list)", async () => {
    const h = await startTask({
      "http.url": "http://127.0.0.1:9/events",
      "http.headers": "X-Hosts: a:8080, b:8080, X-Api-Key:0f9e8d-key",
    });
    try {
      expect(logManager.redact("echoed 0f9e8d-key")).toBe("echoed [hidden]");
    } finally {
      h.task.stop();
    }
  });
});
