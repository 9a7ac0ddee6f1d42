import { describe, expect, test } from "bun:test";
import { EventEmitter } from "node:events";
import { exitOnUncaughtErrors, UNCAUGHT_ERROR_EXIT_CODE, uncaughtErrorHandler } from "./uncaught-errors.ts";

function harness(failLogging = false) {
  const lines: { message: string; error: unknown }[] = [];
  const exits: number[] = [];
  const handle = uncaughtErrorHandler({
    log: {
      error: (message, error) => {
        lines.push({ message, error });
        if (failLogging) throw new Error("stdout is gone");
      },
    },
    exit: (code) => exits.push(code),
  });
  return { handle, lines, exits };
}

describe("uncaughtErrorHandler", () => {
  test.each([
    ["uncaughtException", "Uncaught exception"],
    ["unhandledRejection", "Unhandled promise rejection"],
  ] as const)("%s: one ERROR line with the error, then exit 70", (origin, what) => {
    const h = harness();
    const error = new Error("boom");
    h.handle(error, origin);
    expect(h.lines).toEqual([
      {
        message: `${what}: the gateway exits (status 70) so that its supervisor restarts it; acknowledged data is on disk and is delivered after the restart`,
        error,
      },
    ]);
    expect(h.exits).toEqual([UNCAUGHT_ERROR_EXIT_CODE]);
  });

  test("a second failure while exiting is logged and does not exit twice", () => {
    const h = harness();
    h.handle(new Error("first"), "uncaughtException");
    h.handle("second", "unhandledRejection");
    expect(h.lines.map((l) => l.message).at(-1)).toBe("Unhandled promise rejection while exiting after an earlier one");
    expect(h.exits).toEqual([70]);
  });

  test("exits even when logging throws", () => {
    const h = harness(true);
    expect(() => h.handle(new Error("boom"), "uncaughtException")).toThrow("stdout is gone");
    expect(h.exits).toEqual([70]);
  });
});

describe("exitOnUncaughtErrors", () => {
  test("listens to both process events", () => {
    const target = new EventEmitter();
    const seen: string[] = [];
    const exits: number[] = [];
    exitOnUncaughtErrors(target as unknown as NodeJS.Process, {
      log: { error: (message) => seen.push(message.split(":")[0]!) },
      exit: (code) => exits.push(code),
    });
    target.emit("unhandledRejection", new Error("rejected"), Promise.resolve());
    target.emit("uncaughtException", new Error("thrown"), "uncaughtException");
    expect(seen).toEqual(["Unhandled promise rejection", "Uncaught exception while exiting after an earlier one"]);
    expect(exits).toEqual([70]);
  });
});
