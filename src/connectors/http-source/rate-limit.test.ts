import { describe, expect, test } from "bun:test";
import { HttpSourceConnector } from "./connector.ts";
import { connectorThrottle } from "./rate-limit.ts";

describe("connectorThrottle", () => {
  test("the tasks of one connector share one throttle; a changed limit replaces it", () => {
    const first = connectorThrottle("shared-throttle", 2, 1000);
    expect(connectorThrottle("shared-throttle", 2, 1000)).toBe(first!);
    expect(connectorThrottle("shared-throttle", 3, 1000)).not.toBe(first!);
    expect(connectorThrottle("shared-throttle", 0, 1000)).toBeUndefined();
  });

  // Review finding P3.15: the registry kept a deleted connector's throttle, and a namesake inherited its window.
  test("stopping the connector removes its throttle: a connector created again starts afresh", () => {
    const config = {
      name: "throttled-source",
      "connector.class": "HttpSourceConnector",
      "http.url": "http://127.0.0.1:9/items",
      "kafka.topic": "events",
      "http.throttle.max.requests": "1",
    };
    const connector = new HttpSourceConnector();
    connector.start(config);
    const old = connectorThrottle("throttled-source", 1, 1000);
    expect(connectorThrottle("throttled-source", 1, 1000)).toBe(old!);
    connector.stop();
    const fresh = connectorThrottle("throttled-source", 1, 1000);
    expect(fresh).toBeDefined();
    expect(fresh).not.toBe(old!);
    connectorThrottle("throttled-source", 0, 1000);
  });
});
