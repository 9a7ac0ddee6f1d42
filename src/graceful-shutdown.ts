/**
 * What the gateway does on SIGINT/SIGTERM/SIGHUP (main.ts installs it). The first signal starts one
 * graceful stop and exits 0 when it finished (1 when it failed). A closed terminal's SIGHUP reaches
 * the gateway and scripts/run at once, and scripts/run forwards it as SIGTERM (a Ctrl-C it does not
 * forward): so a second signal only says the stop goes on. A third signal, or the stop taking
 * longer than `timeoutMs`, forces the exit and says so.
 * A stop the gateway starts itself (`onSignal(reason, exitCode)`, e.g. Kafka refused the worker's
 * credentials) exits with that code once stopped.
 */
import { timerMs } from "./util/clock.ts";

/**
 * How long a graceful stop may take before the exit is forced: 60 s, or more when
 * `task.shutdown.graceful.timeout.ms` asks for it. The stop waits up to that timeout twice (the
 * ingest requests in flight, then the tasks) and then closes clients and commits: a fixed 60 s cut a
 * stop the operator had given longer short (exit 1, the commits at stop lost and replayed). At most
 * setTimeout's longest delay (~24.8 days): a longer one fires after 1 ms and forced the exit at once.
 */
export function stopTimeoutMs(taskShutdownGracefulTimeoutMs: number): number {
  return timerMs(Math.max(60_000, 2 * taskShutdownGracefulTimeoutMs + 30_000));
}

export interface GracefulShutdownOptions {
  readonly stop: () => Promise<void>;
  readonly exit: (code: number) => void;
  readonly log: {
    info(message: string): void;
    warn(message: string): void;
    error(message: string, error?: unknown): void;
  };
  readonly timeoutMs: number;
  readonly setTimer?: (run: () => void, ms: number) => void;
}

export function gracefulShutdown(options: GracefulShutdownOptions): (signal: string, exitCode?: number) => void {
  const { stop, exit, log, timeoutMs } = options;
  const setTimer =
    options.setTimer ??
    ((run: () => void, ms: number) => {
      setTimeout(run, ms).unref();
    });
  let signals = 0;
  return (signal, exitCode = 0) => {
    signals++;
    if (signals === 2) {
      log.warn(`Received ${signal} while stopping; still stopping gracefully (a third signal forces exit)`);
      return;
    }
    if (signals >= 3) {
      log.error(`Received ${signal} a third time: forcing exit before the graceful stop finished`);
      exit(130);
      return;
    }
    log.info(exitCode === 0 ? `Received ${signal}, stopping the gateway` : `${signal}: stopping the gateway`);
    setTimer(() => {
      log.error(`The graceful stop did not finish within ${timeoutMs / 1000} s: forcing exit`);
      exit(1);
    }, timeoutMs);
    stop().then(
      () => {
        log.info("Gateway stopped");
        exit(exitCode);
      },
      (error: unknown) => {
        log.error("Error while stopping", error);
        exit(1);
      },
    );
  };
}
