/**
 * FetchConnections: the ConnectionPool a PartitionFetcher's fetches go over (their own connections: a broker answers
 * one request per connection at a time, so a long-polling Fetch on the group's connection would hold up commits and
 * heartbeats). It tells `written` each time it hands the library's fetch a connection: the library writes its Fetch
 * request on it at once (its API versions known since the consumer started), so UnansweredFetches times the request
 * itself on the wire, not the metadata look-up or connection set-up before it, which may wait on another broker.
 */
import {
  type Broker,
  type CallbackWithPromise,
  type Connection,
  type ConnectionOptions,
  ConnectionPool,
  createPromisifiedCallback,
  kCallbackPromise,
} from "@platformatic/kafka";

export class FetchConnections extends ConnectionPool {
  constructor(
    clientId: string,
    options: ConnectionOptions,
    /** Told of each connection handed out, with its broker. */
    private readonly written: (broker: Broker) => void,
  ) {
    super(clientId, options);
  }

  override get(broker: Broker, callback: CallbackWithPromise<Connection>): void;
  override get(broker: Broker): Promise<Connection>;
  override get(broker: Broker, callback?: CallbackWithPromise<Connection>): Promise<Connection> | undefined {
    const handed = callback ?? createPromisifiedCallback<Connection>();
    super.get(broker, (error, connection) => {
      if (!error) this.written(broker);
      handed(error, connection);
    });
    return handed[kCallbackPromise];
  }
}
