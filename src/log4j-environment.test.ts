import { describe, expect, test } from "bun:test";
import { log4jEnvironment } from "./log4j-environment.ts";
import { configFromEnvironment } from "./util/properties.ts";

describe("Confluent images' CONNECT_LOG4J_* variables", () => {
  test("the root level and name=LEVEL loggers, as cp-all-in-one's compose file sets them", () => {
    expect(
      log4jEnvironment({
        CONNECT_LOG4J_ROOT_LOGLEVEL: "warn",
        CONNECT_LOG4J_LOGGERS: "org.apache.zookeeper=ERROR,org.I0Itec.zkclient=ERROR, org.reflections = error",
      }),
    ).toEqual({
      root: "WARN",
      loggers: [
        ["org.apache.zookeeper", "ERROR"],
        ["org.I0Itec.zkclient", "ERROR"],
        ["org.reflections", "ERROR"],
      ],
      warnings: [],
    });
  });

  test("a value naming no level is a warning, never a guess", () => {
    const parsed = log4jEnvironment({
      CONNECT_LOG4J_ROOT_LOGLEVEL: "LOUD",
      CONNECT_LOG4J_LOGGERS: "a=LOUD,b,=INFO,c=DEBUG",
      CONNECT_LOG4J_APPENDER_STDOUT_LAYOUT_CONVERSIONPATTERN: "[%d] %p %m (%c)%n",
    });
    expect(parsed.root).toBeUndefined();
    expect(parsed.loggers).toEqual([["c", "DEBUG"]]);
    expect(parsed.warnings).toEqual([
      "CONNECT_LOG4J_ROOT_LOGLEVEL=LOUD names no log level: ignored",
      "CONNECT_LOG4J_LOGGERS entry 'a=LOUD' is not name=LEVEL: ignored",
      "CONNECT_LOG4J_LOGGERS entry 'b' is not name=LEVEL: ignored",
      "CONNECT_LOG4J_LOGGERS entry '=INFO' is not name=LEVEL: ignored",
      "CONNECT_LOG4J_APPENDER_STDOUT_LAYOUT_CONVERSIONPATTERN is a log4j setting the gateway has no use for: ignored",
    ]);
  });

  test("a root=LEVEL entry is the root level (log.level wins over it), not a logger", () => {
    const parsed = log4jEnvironment({
      CONNECT_LOG4J_ROOT_LOGLEVEL: "WARN",
      CONNECT_LOG4J_LOGGERS: "a=INFO,Root=DEBUG",
    });
    expect(parsed.root).toBe("DEBUG");
    expect(parsed.loggers).toEqual([["a", "INFO"]]);
  });

  test("they are no worker keys (no unknown-key WARN for them)", () => {
    expect(
      configFromEnvironment({
        CONNECT_LOG4J_LOGGERS: "a=INFO",
        CONNECT_LOG4J_ROOT_LOGLEVEL: "INFO",
        CONNECT_LOG_LEVEL: "DEBUG",
      }),
    ).toEqual({ "log.level": "DEBUG" });
  });
});
