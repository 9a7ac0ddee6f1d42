/**
 * The spool worker thread's entry point: owns the spool's SQLite file so that its inserts, fsyncs,
 * reads and deletes run beside the event loop instead of on it. SpoolStore starts it
 * (spoolWorkerUrl() in spool-worker-channel.ts says how it is found in the compiled binary:
 * scripts/build passes this file as a second entry point); SpoolWorkerLoop does the work.
 */
import type { ToWorker } from "./spool-protocol.ts";
import { SpoolWorkerLoop } from "./spool-worker-loop.ts";

declare const self: Worker;

const loop = new SpoolWorkerLoop((message, transfer) => self.postMessage(message, transfer ?? []));
self.onmessage = (event: MessageEvent<ToWorker>) => loop.receive(event.data);
