/**
 * What the gateway does on SIGINT/SIGTERM/SIGHUP (main.ts installs it). The first signal starts one
 * graceful stop and exits 0 when it finished (1 when it failed). A closed terminal's SIGHUP reaches
 * the gateway and scripts/run at once, and scripts/run forwards it as SIGTERM (a Ctrl-C it does not
 * forward): so a second signal only says the stop goes on. A third signal, or the stop taking
 * longer than `timeoutMs`, forces the exit and says so.
 * A stop the gateway starts itself (`onSignal(reason, exitCode)`: Kafka refused the worker's
 * credentials, 2; a connector file failed, 3) exits with that code, Connect's, once stopped, and
 * also when the stop failed or was forced at its limit (connect-standalone exits with it whatever
 * its stop did); one that arrives while a stop runs is logged and changes nothing. A forced exit
 * names what the stop was still waiting for (`waitingFor`).
 */
import { timerMs } from "./util/clock.ts";

/**
 * How long a graceful stop may take before the exit is forced: 60 s, or more when
 * `task.shutdown.graceful.timeout.ms` asks for it. The stop waits up to that timeout twice (the
 * ingest requests in flight, then the tasks), at most 5 s for each listener's close (app-stop.ts) and 5 s for
 * the connectors (worker-connector.ts, Connect's connector timeout), and then closes clients: a fixed 60 s cut a
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
  /** What the stop is waiting for now (App.stopping), named when the exit is forced. */
  readonly waitingFor?: () => string | undefined;
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
    // The gateway's own reason to stop, arriving while a stop runs (a connector file failing as
    // the herder stops), is no signal: it does not bring a third signal's forced exit closer.
    if (signals > 0 && exitCode !== 0) {
      log.info(`${signal} while stopping; the stop goes on`);
      return;
    }
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
    // A signal's stop exits 0 once it finished, so one cut short says so; the gateway's own keep Connect's code.
    const failedCode = exitCode === 0 ? 1 : exitCode;
    setTimer(() => {
      const waiting = options.waitingFor?.();
      log.error(
        `The graceful stop did not finish within ${timeoutMs / 1000} s${waiting ? ` (gave up waiting for ${waiting})` : ""}: forcing exit`,
      );
      exit(failedCode);
    }, timeoutMs);
    stop().then(
      () => {
        log.info("Gateway stopped");
        exit(exitCode);
      },
      (error: unknown) => {
        log.error("Error while stopping", error);
        exit(failedCode);
      },
    );
  };
}
