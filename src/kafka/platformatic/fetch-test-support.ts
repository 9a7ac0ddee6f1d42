/** Test support: a Fetch sent as the library's fetch sends one, over the connection a pool hands it. */
import { type Broker, type ConnectionPool, fetchV17 } from "@platformatic/kafka";

/**
 * As the library's fetch writes a Fetch: over a connection `pool` hands it, at once (`written` is told then); settled
 * by its answer, or its failure (the connection lost or closed).
 */
export function fetchOver(pool: ConnectionPool, broker: Broker, written = () => {}): Promise<unknown> {
  return new Promise((resolve, reject) =>
    pool.get(broker, (error, connection) => {
      if (error || !connection) return reject(error);
      try {
        fetchV17.api(connection, 500, 1, 1024, 0, 0, 0, [], [], "", (e, response) =>
          e ? reject(e) : resolve(response),
        );
      } catch {
        // What a hook on the Fetch threw: the library's fetch would see it here, the Fetch settles all the same.
      }
      written();
    }),
  );
}
