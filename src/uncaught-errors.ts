/**
 * What the gateway does with an exception nothing caught or a promise rejection nothing handled
 * (main.ts installs it for the `run` command): one ERROR line through the logger, then exit with
 * UNCAUGHT_ERROR_EXIT_CODE so a supervisor (systemd `Restart=on-failure`, a container restart
 * policy) starts it again.
 *
 * Why exit rather than log and go on, as Connect's JVM does for a thread's uncaught exception: a
 * JVM thread that dies takes only its own work with it, while here one event loop runs every task,
 * listener and timer, and the throw left whatever it was updating half done (a task that looks
 * RUNNING but no longer polls, a spool that no longer drains, while /health answers healthy).
 * Everything acknowledged is durable before it is acknowledged (the spool, committed offsets), and
 * the kill -9 tests show an abrupt exit loses none of it; so exiting and restarting is safe, and
 * going on is not. No graceful stop is attempted: it would run in that same unknown state and could
 * hang or commit from it, and an immediate exit is exactly the crash the kill -9 tests cover. For
 * the same reason the exit does not wait for a slow stdout reader to take the lines still waiting
 * for it (a graceful stop's exit does): this ERROR may be among those lost then.
 *
 * Without this, Bun already exits (code 1) but prints the error and its source line straight to
 * stderr: past the logger, so neither `log.format=json` nor secret masking applies to that text.
 */

/** The exit status after an uncaught exception or unhandled rejection (EX_SOFTWARE in sysexits.h). */
export const UNCAUGHT_ERROR_EXIT_CODE = 70;

export interface UncaughtErrorOptions {
  readonly log: { error(message: string, error?: unknown): void };
  readonly exit: (code: number) => void;
}

export type UncaughtOrigin = "uncaughtException" | "unhandledRejection";

/** The handler for both events: logs the first failure and exits; later ones (while exiting) are only logged. */
export function uncaughtErrorHandler(options: UncaughtErrorOptions): (error: unknown, origin: UncaughtOrigin) => void {
  let exiting = false;
  return (error, origin) => {
    const what = origin === "unhandledRejection" ? "Unhandled promise rejection" : "Uncaught exception";
    try {
      options.log.error(
        exiting
          ? `${what} while exiting after an earlier one`
          : `${what}: the gateway exits (status ${UNCAUGHT_ERROR_EXIT_CODE}) so that its supervisor restarts it; acknowledged data is on disk and is delivered after the restart`,
        error,
      );
    } finally {
      if (!exiting) {
        exiting = true;
        options.exit(UNCAUGHT_ERROR_EXIT_CODE);
      }
    }
  };
}

/** Installs the handler on `target` (the process) for both events. */
export function exitOnUncaughtErrors(target: NodeJS.Process, options: UncaughtErrorOptions): void {
  const handle = uncaughtErrorHandler(options);
  target.on("uncaughtException", (error) => handle(error, "uncaughtException"));
  target.on("unhandledRejection", (reason) => handle(reason, "unhandledRejection"));
}
