/**
 * SpoolWorkerChannel: SpoolStore's line to the spool worker thread (spool-worker.ts). It starts
 * the thread, posts messages, matches each reply to its call by id (a call's `onReply` runs in the
 * message handler, before any later reply is handled, so state that must follow the worker's order
 * is updated there), hands the other replies (`durable`, `deleted`, a `failed` of appends) to its
 * owner, and turns the thread's death (an uncaught error, or an exit nobody asked for) into one
 * failure: every call waiting rejects, and so does every later one.
 */
import { StoreError } from "./database.ts";
import type { FromWorker, ToWorker } from "./spool-protocol.ts";

/** Where the worker's entry is: beside this file, or in the compiled binary where scripts/build put it. */
export function spoolWorkerUrl(): string | URL {
  return import.meta.url.includes("/$bunfs/")
    ? "/$bunfs/root/store/spool-worker.ts"
    : new URL("./spool-worker.ts", import.meta.url);
}

/**
 * The error of a worker's uncaught exception. Bun's ErrorEvent has no `error`; its `message` is
 * the printed report (a source excerpt, then `error: <message>`, then the stack).
 */
function workerErrorMessage(event: ErrorEvent): string {
  if (event.error instanceof Error) return event.error.message;
  const text = String(event.message ?? "");
  return /^\w*(?:error|Error): (.+)$/m.exec(text)?.[1] ?? (text.trim() || "unknown error");
}

interface Call {
  readonly onReply: ((reply: FromWorker) => void) | undefined;
  readonly resolve: (reply: FromWorker) => void;
  readonly reject: (error: unknown) => void;
}

/** Replies that answer no call. */
export type Notice = Extract<
  FromWorker,
  { op: "durable" | "deleted" | "warning" | "info" | "error" | "lost" | "failed" }
>;

export interface ChannelOwner {
  notice(message: Notice): void;
  /** The worker died: nothing is durable from now on. Called once. */
  died(error: Error): void;
}

export class SpoolWorkerChannel {
  private readonly worker: Worker;
  private readonly calls = new Map<number, Call>();
  private nextId = 1;
  private ended = false;
  /** Why the worker is gone, when it died. */
  failure: Error | undefined;

  constructor(
    url: string | URL,
    private readonly owner: ChannelOwner,
  ) {
    this.worker = new Worker(url);
    this.worker.onmessage = (event: MessageEvent<FromWorker>) => this.receive(event.data);
    this.worker.addEventListener("error", (event) =>
      this.die(new StoreError(`The spool worker failed: ${workerErrorMessage(event as ErrorEvent)}`)),
    );
    this.worker.addEventListener("messageerror", () =>
      this.die(new StoreError("The spool worker sent an unreadable message")),
    );
    this.worker.addEventListener("close", () => this.die(new StoreError("The spool worker exited unexpectedly")));
  }

  /** A fresh message id. */
  id(): number {
    return this.nextId++;
  }

  post(message: ToWorker, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(message, transfer);
  }

  /** Posts `message` and resolves with its reply (`onReply` sees it first, in the message handler). */
  call(message: ToWorker & { readonly id: number }, onReply?: (reply: FromWorker) => void): Promise<FromWorker> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.reject(new StoreError("The spool is closed"));
    return new Promise<FromWorker>((resolve, reject) => {
      this.calls.set(message.id, { onReply, resolve, reject });
      this.post(message);
    });
  }

  /** Ends the thread on purpose (after `close`, or after it died): calls still waiting reject. */
  end(): void {
    this.ended = true;
    const closed = new StoreError("The spool is closed");
    for (const call of this.calls.values()) call.reject(closed);
    this.calls.clear();
    this.worker.terminate();
  }

  private receive(m: FromWorker): void {
    if (
      m.op === "durable" ||
      m.op === "deleted" ||
      m.op === "warning" ||
      m.op === "info" ||
      m.op === "error" ||
      m.op === "lost"
    ) {
      this.owner.notice(m);
      return;
    }
    if (m.op === "failed") {
      const answered = m.ids.filter((id) => this.calls.has(id));
      for (const id of answered) {
        this.calls.get(id)!.reject(new StoreError(m.message));
        this.calls.delete(id);
      }
      if (answered.length < m.ids.length) this.owner.notice(m);
      return;
    }
    const call = this.calls.get(m.id);
    this.calls.delete(m.id);
    call?.onReply?.(m);
    call?.resolve(m);
  }

  private die(error: Error): void {
    if (this.ended || this.failure) return;
    this.failure = error;
    for (const call of this.calls.values()) call.reject(error);
    this.calls.clear();
    this.end();
    this.owner.died(error);
  }
}
