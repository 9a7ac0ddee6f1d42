import { describe, expect, test } from "bun:test";
import { MultipleErrors, NetworkError, ProtocolError, TimeoutError, UserError } from "@platformatic/kafka";
import { ConnectError, isRetriable } from "../../errors.ts";
import { wrap } from "./errors.ts";

describe("wrap", () => {
  test.each([
    [
      "a refused connection: retriable",
      new NetworkError("Connection to 127.0.0.1:9092 failed.", { canRetry: true }),
      true,
    ],
    [
      "the library's retries running out on a refused connection: retriable",
      new MultipleErrors("fetch failed 4 times.", [new NetworkError("refused", { canRetry: true })]),
      true,
    ],
    ["a request timeout: retriable", new TimeoutError("Request timed out."), true],
    ["NOT_COORDINATOR: retriable", new ProtocolError("NOT_COORDINATOR"), true],
    ["REBALANCE_IN_PROGRESS (a rejoin cures it): retriable", new ProtocolError("REBALANCE_IN_PROGRESS"), true],
    ["UNKNOWN_MEMBER_ID (a rejoin cures it): retriable", new ProtocolError("UNKNOWN_MEMBER_ID"), true],
    ["GROUP_AUTHORIZATION_FAILED: not retriable", new ProtocolError("GROUP_AUTHORIZATION_FAILED"), false],
    ["an invalid request (UserError): not retriable", new UserError("/options/groupId must be a string"), false],
  ])("%s", (_what, error, retriable) => {
    const wrapped = wrap(error, "Failed to consume");
    expect(wrapped).toBeInstanceOf(ConnectError);
    expect(isRetriable(wrapped)).toBe(retriable);
    expect(wrapped.message.startsWith("Failed to consume: ")).toBe(true);
    expect(wrapped.cause).toBe(error);
  });

  test("a ConnectError passes through unchanged", () => {
    const error = new ConnectError("The consumer of group g was closed while starting");
    expect(wrap(error, "Failed to start")).toBe(error);
  });
});
