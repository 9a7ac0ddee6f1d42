/**
 * Connect's RestServer.DEFAULT_REST_REQUEST_TIMEOUT_MS: how long the REST layer waits for the herder's answer
 * (server.ts's `timed`), and the one deadline a sink connector's offsets read or change gives its admin calls
 * together (Connect's Worker starts one Timer of it per request): no change is made after the REST layer answered
 * 500 "Request timed out".
 */
import { type Clock, systemClock } from "../util/clock.ts";
import { Deadline } from "../util/deadline.ts";

export const REST_REQUEST_TIMEOUT_MS = 90_000;

/** A REST request's deadline, started now (as the request arrives at the herder); `signal` ends it early. */
export function requestDeadline(signal?: AbortSignal, clock: Clock = systemClock): Deadline {
  return new Deadline(REST_REQUEST_TIMEOUT_MS, signal, clock);
}
