/**
 * The process's memory of the brokers that left a kafkajs client's request or connection unanswered, which every kafkajs
 * client asks last for its seed and bootstrap requests (scripts/patches/kafkajs-seed-broker.mjs keeps it on kafkajs'
 * ConnectionPool), as src/kafka/platformatic/unresponsive-brokers.ts is @platformatic/kafka's. Tests forget it before
 * each test, so one test's frozen listener does not order the brokers of the next (a port may be reused).
 */
import ConnectionPool from "kafkajs/src/network/connectionPool";

/** Empties the memory (the builders share one Set, so it is cleared, not replaced). */
export function forgetUnresponsiveKafkajsBrokers(): void {
  ConnectionPool.edgeGatewayUnresponsive?.clear();
}

/** host:port of the brokers remembered, for a test to read. */
export function unresponsiveKafkajsBrokers(): string[] {
  return [...(ConnectionPool.edgeGatewayUnresponsive ?? [])];
}
