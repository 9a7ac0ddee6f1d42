/**
 * Lingering close for the https ingest listener's connections, as web servers' lingering close:
 * closing after `Connection: close` (a 413 answered before the body was read, a refused client
 * certificate's 401) flushes the response and half-closes our side, then what the client still
 * sends is read and dropped until it closes or LINGER_MS passed. node:http would destroy the
 * socket at once, and a client still sending its body then gets a reset instead of the answer
 * (curl: "Send failure: Broken pipe"). What it reads is dropped unparsed (node:http's 'data'
 * listeners removed), so a connection given up parses no further request.
 */
import type { TLSSocket } from "node:tls";

/** How long a connection closed after its response keeps reading what the client still sends. */
export const LINGER_MS = 2_000;

/** Replaces node:http's close after `Connection: close` (end, then destroy) by a lingering close. */
export function lingerOnClose(socket: TLSSocket): void {
  socket.destroySoon = function lingeringClose(this: TLSSocket) {
    if (this.writable) this.end();
    const timer = setTimeout(() => this.destroy(), LINGER_MS);
    timer.unref?.();
    this.once("close", () => clearTimeout(timer));
    this.removeAllListeners("data"); // node:http parses no further request
    this.on("data", () => {});
    this.resume();
  };
}
