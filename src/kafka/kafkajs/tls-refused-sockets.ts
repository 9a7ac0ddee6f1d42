/**
 * The kafkajs socketFactory of a client with TLS (security.protocol=SSL or SASL_SSL; adapter.ts): a connection the
 * broker closes before the TLS handshake ends says only "Client network socket disconnected before secure TLS
 * connection was established". A PLAINTEXT listener does that, reading the ClientHello as the size of a request too
 * large to take, and @platformatic/kafka says "TLS handshake failed. Please verify the broker supports TLS.": the error
 * names that here too. It stays the lost connection (ECONNRESET) that kafkajs retries, as Java's client retries a
 * disconnection during the handshake.
 */
import type { ISocketFactory } from "kafkajs";

export const NOT_TLS_LISTENER_HINT =
  "; the broker closed the connection in the TLS handshake: its listener may not be TLS (security.protocol=SSL or SASL_SSL against a PLAINTEXT or SASL_PLAINTEXT listener)";

/** Node's (and Bun's) words for a TLS connection closed by the peer before its handshake ended. */
const CLOSED_IN_HANDSHAKE = "before secure TLS connection was established";

/** `open`'s sockets, whose error for a connection closed during the TLS handshake names a listener that may not be TLS. */
export function tlsRefusedSockets(open: ISocketFactory): ISocketFactory {
  return (args) => {
    const socket = open(args);
    if (!args.ssl) return socket;
    let secured = false;
    socket.once("secureConnect", () => {
      secured = true;
    });
    // Before kafkajs' own listener, which builds its KafkaJSConnectionError from the message.
    socket.prependListener("error", (error: NodeJS.ErrnoException) => {
      if (!secured && error.code === "ECONNRESET" && error.message.includes(CLOSED_IN_HANDSHAKE))
        error.message += NOT_TLS_LISTENER_HINT;
    });
    return socket;
  };
}
