/**
 * Test support for the config providers: a log manager that keeps its lines, a provider context
 * built on it, and `expectRejects` for the class and message of an async failure.
 */
import { expect } from "bun:test";
import { LogManager } from "../util/logger.ts";
import type { ConfigProviderContext } from "./config-provider.ts";

export interface CapturedLogs {
  readonly logs: LogManager;
  readonly lines: string[];
}

export function capturedLogs(): CapturedLogs {
  const lines: string[] = [];
  return { logs: new LogManager({ rootLevel: "INFO", sink: (line) => lines.push(line) }), lines };
}

export function testContext(
  env: Readonly<Record<string, string | undefined>> = {},
): ConfigProviderContext & { readonly lines: string[] } {
  const { logs, lines } = capturedLogs();
  return { logger: logs.get("test"), env, lines };
}

/** Asserts that `promise` rejects with an instance of `type` carrying exactly `message`. */
export async function expectRejects(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => Error,
  message: string,
): Promise<Error> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(type);
  expect((caught as Error).message).toBe(message);
  return caught as Error;
}

/** Asserts that `fn` throws an instance of `type` carrying exactly `message`. */
export function expectThrows(
  fn: () => unknown,
  type: abstract new (...args: never[]) => Error,
  message: string,
): Error {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(type);
  expect((caught as Error).message).toBe(message);
  return caught as Error;
}
