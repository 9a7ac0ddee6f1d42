/**
 * The process's memory of the brokers that did not answer, which every connection pool offers last for bootstrap
 * requests (scripts/patches/bootstrap-unresponsive.mjs keeps it on ConnectionPool). Tests forget it before each test,
 * so one test's frozen listener does not order the brokers of the next, and read it to see which failures marked one.
 */
import { ConnectionPool } from "@platformatic/kafka";

const memory = () => (ConnectionPool as unknown as { edgeGatewayUnresponsive?: Set<string> }).edgeGatewayUnresponsive;

/** Empties the memory (the pools share one Set, so it is cleared, not replaced). */
export function forgetUnresponsiveBrokers(): void {
  memory()?.clear();
}

/** The host:port of each broker remembered, in the order remembered. */
export function unresponsiveBrokers(): string[] {
  return [...(memory() ?? [])];
}
