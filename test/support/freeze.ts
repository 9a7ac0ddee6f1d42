/**
 * Freezing a process (a broker, the gateway) the way a network partition without resets looks: SIGSTOP, then wait
 * until every thread of it is stopped. kill() only queues the signal; the thread picked to take it starts the group
 * stop when it next runs, and until then the others go on. On a loaded machine (3 test shards on 2 cores) a frozen
 * broker still acknowledged a produce sent after the kill (ci168: an ingest request the test held for unanswered was
 * answered 200), and a test that needs the request unanswered failed.
 */
import { readdirSync, readFileSync } from "node:fs";
import { waitFor } from "./wait-for.ts";

/** The state letter of thread `tid` of `pid` (/proc/PID/task/TID/stat: after the command's closing parenthesis). */
function threadState(pid: number, tid: string): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
    return stat.charAt(stat.lastIndexOf(")") + 2);
  } catch {
    return undefined; // the thread ended meanwhile
  }
}

/** True when every thread of `pid` is stopped (T) or gone (exiting: Z, X, or its entry removed). */
function allStopped(pid: number): boolean {
  return readdirSync(`/proc/${pid}/task`).every((tid) => {
    const state = threadState(pid, tid);
    return state === undefined || state === "T" || state === "t" || state === "Z" || state === "X";
  });
}

/** SIGSTOPs `pid` and resolves once all its threads are stopped (SIGCONT thaws it, as before). */
export async function freeze(pid: number): Promise<void> {
  process.kill(pid, "SIGSTOP");
  await waitFor(() => allStopped(pid), {
    intervalMs: 1,
    timeoutMs: 30_000,
    what: `every thread of process ${pid} stopped`,
  });
}
