/**
 * The stop signals (SIGINT, SIGTERM, SIGHUP), caught from the first module main.ts evaluates: the
 * rest of the modules take ~200 ms to evaluate, and a signal then killed the gateway (143, no stop).
 * A signal is handled once the event loop runs, by the handler set last: until main sets one, as an
 * uncaught signal ends a process (128 + its number: a healthcheck or hash-password stays as it was);
 * main sets "exit 0, nothing started yet" for a run, and the graceful stop once the app exists.
 * SIGUSR1, SIGUSR2 and SIGALRM mean nothing to the gateway; each ends a process by default (the JVM
 * too: 138, a crash for SIGUSR2, 142, none running Connect's shutdown hook), so an operator's stray
 * `kill -USR1` would end it with no stop: caught the same way, main logs and ignores them in a run.
 */
import { constants } from "node:os";
import { dirname, join } from "node:path";

export type StopSignal = "SIGINT" | "SIGTERM" | "SIGHUP";
export type StraySignal = "SIGUSR1" | "SIGUSR2" | "SIGALRM";

const uncaught = (signal: StopSignal | StraySignal) => process.exit(128 + constants.signals[signal]);
let handler: (signal: StopSignal) => void = uncaught;
let strayHandler: (signal: StraySignal) => void = uncaught;

/** What a stop signal does from now on. */
export function onStopSignal(handle: (signal: StopSignal) => void): void {
  handler = handle;
}

/** What a signal that ends a process by default but means nothing to the gateway does from now on. */
export function onStraySignal(handle: (signal: StraySignal) => void): void {
  strayHandler = handle;
}

// Only in the gateway's process (the binary bundles this module into main's file), not a test importing it.
if (Bun.main === import.meta.path || Bun.main === join(dirname(import.meta.path), "main.ts")) {
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => handler(signal));
  for (const signal of ["SIGUSR1", "SIGUSR2", "SIGALRM"] as const) process.on(signal, () => strayHandler(signal));
}
