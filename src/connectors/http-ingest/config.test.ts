import { describe, expect, test } from "bun:test";
import { httpIngestConfig } from "./config.ts";

const pathErrors = (path: string) =>
  httpIngestConfig.validate({ "ingest.path": path, "kafka.topic": "t" }).get("ingest.path")!.errors;

describe("ingest.path", () => {
  test.each(["/ingest/telemetry", "/a.b/c..d", "/.well", "/x/..y"])("%s is a valid path", (path) => {
    expect(pathErrors(path)).toEqual([]);
  });

  // Bun's router matches the raw request target while request.url is normalised: a path with dot
  // segments would reach a different connector (or none) depending on the listener.
  test.each(["/x/../b", "/c/..", "/./a", "/a/./b", "/a/."])("%s (dot segments) is refused", (path) => {
    expect(pathErrors(path)).toEqual([
      `Invalid value ${path} for configuration ingest.path: Must not contain . or .. segments`,
    ]);
  });

  test.each([
    ["ingest", "Must be an absolute URL path such as /ingest/telemetry"],
    ["/a//b", "Must be an absolute URL path such as /ingest/telemetry"],
    ["/a/", "Must not end with /"],
    ["/metrics/x", "/metrics is reserved for the listener's own routes"],
  ])("%s is refused: %s", (path, message) => {
    expect(pathErrors(path)).toEqual([`Invalid value ${path} for configuration ingest.path: ${message}`]);
  });
});
