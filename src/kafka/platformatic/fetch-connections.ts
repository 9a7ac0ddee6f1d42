/**
 * FetchConnections: the ConnectionPool a PartitionFetcher's fetches go over (their own connections: a broker answers
 * one request per connection at a time, so a long-polling Fetch on the group's connection would hold up commits and
 * heartbeats), and what tells UnansweredFetches of each Fetch request on the wire (fetch-sends.ts): each try of the
 * library's fetch (it retries one answered with an error, after fresh metadata) is timed from the write of its Fetch
 * to its answer, on the broker it was written to, so neither the metadata look-up nor the connection set-up before
 * it (which may wait on another broker) counts, nor does a try a broker answered.
 *
 * A fetch asking a broker goes over that broker's `route`, a pool of its own for the library's fetch (which gets its
 * connection from it, and keeps a fetch session per broker and pool), sharing these connections: the route knows the
 * fetch, so the Fetch it writes is the fetch's even when the library sends it to another broker than asked (leadership
 * moved, a preferred read replica). The library writes its Fetch on the connection handed to it at once (its API
 * versions known since the consumer started); one written later is not timed, nor one written once the fetch settled.
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
import { type FetchSend, onFetchSent } from "./fetch-sends.ts";
import type { FetchOnWire } from "./unanswered-fetches.ts";

/** What hears of the Fetch requests on the wire (FetchFailureReport). */
export interface FetchWatch {
  /** `fetch`'s Fetch is written now to broker `node`. */
  written(fetch: FetchOnWire, node: number): void;
  /** That Fetch was answered, or failed (answered with an error, its connection lost, request.timeout.ms). */
  ended(fetch: FetchOnWire): void;
}

export class FetchConnections extends ConnectionPool {
  private readonly routes = new Map<number, FetchRoute>();
  /** The fetch handed its connection now, and the broker it is to: its Fetch is written meanwhile. */
  private handing: FetchOnWire | undefined;
  private handingTo = 0;

  constructor(
    private readonly clientId: string,
    private readonly options: ConnectionOptions,
    private readonly watch: FetchWatch,
    /** The brokers the metadata knows, by node id. */
    private readonly brokers: () => ReadonlyMap<number, Broker> | undefined,
  ) {
    super(clientId, options);
    onFetchSent(this, (fetch) => this.timed(fetch));
  }

  /** The pool the library's fetch `fetch` of broker `node`'s partitions goes over (one fetch per broker at a time). */
  route(node: number, fetch: FetchOnWire): ConnectionPool {
    let route = this.routes.get(node);
    if (!route) {
      route = new FetchRoute(this, node, this.clientId, this.options);
      this.routes.set(node, route);
    }
    route.fetch = fetch;
    return route;
  }

  /** `fetch` asking broker `node` got its answer or failed: a Fetch its route writes later is not its. */
  settled(node: number, fetch: FetchOnWire): void {
    const route = this.routes.get(node);
    if (route?.fetch === fetch) route.fetch = undefined;
  }

  /** `route`'s fetch gets `connection` to `broker`: the Fetch the library writes on it meanwhile is timed. */
  hand(route: FetchRoute, broker: Broker, connection: Connection, handed: CallbackWithPromise<Connection>): void {
    const node = this.nodeOf(broker, route.node);
    this.handing = node === undefined ? undefined : route.fetch;
    this.handingTo = node ?? 0;
    try {
      handed(null, connection);
    } finally {
      this.handing = undefined;
    }
  }

  /** The node id of `broker` (the one asked, unless the library chose another). */
  private nodeOf(broker: Broker, asked: number): number | undefined {
    const known = this.brokers();
    if (sameAddress(known?.get(asked), broker)) return asked;
    for (const [node, b] of known ?? []) if (sameAddress(b, broker)) return node;
    return undefined;
  }

  /** The Fetch `send` is timed when it is the one of the fetch being handed its connection. */
  private timed(send: FetchSend): void {
    const fetch = this.handing;
    if (!fetch) return;
    this.handing = undefined;
    const { callback } = send;
    send.callback = (error, response) => {
      try {
        this.watch.ended(fetch);
      } finally {
        callback(error, response);
      }
    };
    // Told before the Fetch goes out: the library may fail it at once (its connection closed meanwhile).
    this.watch.written(fetch, this.handingTo);
  }
}

function sameAddress(a: Broker | undefined, b: Broker): boolean {
  return a?.host === b.host && a.port === b.port;
}

/**
 * The pool of the fetches asking one broker: FetchConnections' connections, handed through it (the library's fetch
 * uses only `get`; the route holds no connection of its own).
 */
class FetchRoute extends ConnectionPool {
  /** The fetch under way asking `node`. */
  fetch: FetchOnWire | undefined;

  constructor(
    private readonly connections: FetchConnections,
    readonly node: number,
    clientId: string,
    options: ConnectionOptions,
  ) {
    super(clientId, options);
  }

  override get(broker: Broker, callback: CallbackWithPromise<Connection>): void;
  override get(broker: Broker): Promise<Connection>;
  override get(broker: Broker, callback?: CallbackWithPromise<Connection>): Promise<Connection> | undefined {
    const handed = callback ?? createPromisifiedCallback<Connection>();
    this.connections.get(broker, (error, connection) => {
      if (error) handed(error, connection);
      else this.connections.hand(this, broker, connection!, handed);
    });
    return handed[kCallbackPromise];
  }
}
