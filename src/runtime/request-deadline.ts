/**
 * Connect's RestServer.DEFAULT_REST_REQUEST_TIMEOUT_MS: how long the REST layer waits for the herder's answer
 * (server.ts's `timed`), and the one deadline a sink connector's offsets read or change gives its admin calls
 * together (Connect's Worker starts one Timer of it per request): no change is made after the REST layer answered
 * 500 "Request timed out".
 */
import { Deadline } from "../util/deadline.ts";

export const REST_REQUEST_TIMEOUT_MS = 90_000;

/** A REST request's deadline, started now (at the start of its herder step); `signal` ends it early. */
export function requestDeadline(signal?: AbortSignal): Deadline {
  return new Deadline(REST_REQUEST_TIMEOUT_MS, signal);
}
