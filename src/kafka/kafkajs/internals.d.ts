// Types for the parts of kafkajs' protocol layer and internals that this adapter uses directly.
declare module "kafkajs/src/protocol/encoder" {
  export default class Encoder {
    writeInt16(value: number): Encoder;
    writeInt32(value: number): Encoder;
    writeString(value: string | null): Encoder;
    writeArray(values: Encoder[]): Encoder;
  }
}
declare module "kafkajs/src/protocol/decoder" {
  export default class Decoder {
    constructor(buffer: Buffer);
    readInt16(): number;
    readInt32(): number;
    readString(): string;
    readArray<T>(reader: (decoder: Decoder) => T): T[];
  }
}
declare module "kafkajs/src/protocol/error" {
  export function failure(code: number): boolean;
  export function createErrorFromCode(code: number): Error;
}
declare module "kafkajs/src/network/requestQueue/socketRequest" {
  export default class SocketRequest {
    requestTimeout: number;
    /** Wall-clock ms when it went on the wire (null until sent). */
    sentAt: number | null;
    send(): void;
    timeoutRequest(): void;
  }
}
declare module "kafkajs/src/network/requestQueue" {
  import type SocketRequest from "kafkajs/src/network/requestQueue/socketRequest";
  export default class RequestQueue {
    constructor(options: {
      maxInFlightRequests: number | null;
      requestTimeout: number;
      enforceRequestTimeout: boolean;
      clientId: string;
      broker: string;
      logger: { debug(message: string, extra?: object): void };
      isConnected?: () => boolean;
    });
    pending: unknown[];
    inflight: Map<number, SocketRequest>;
    requestTimeout: number;
    enforceRequestTimeout: boolean;
    requestTimeoutIntervalId: ReturnType<typeof setInterval> | undefined;
    isConnected(): boolean;
    scheduleRequestTimeoutCheck(): void;
    maxInFlightRequests: number | null | undefined;
    /** When client-side throttling ends (kafkajs: epoch ms; monotonic-throttle.ts: performance.now() ms). */
    throttledUntil: number;
    throttleCheckTimeoutId: ReturnType<typeof setTimeout> | null;
    logger: { debug(message: string, extra?: object): void };
    maybeThrottle(clientSideThrottleTime: number | null): void;
    canSendSocketRequestImmediately(): boolean;
    checkPendingRequests(): void;
    scheduleCheckPendingRequests(): void;
    destroy(): void;
  }
}

declare module "kafkajs/src/protocol/requests/fetch/v11/response" {
  /** A Fetch v11 answer, decoded (its batches decompressed by the registered codecs). */
  export function decode(raw: Buffer): Promise<unknown>;
}
declare module "kafkajs/src/consumer/seekOffsets" {
  /** A consumer group's seeks not applied yet (by key), each applied at the partition's next fetch. */
  export default class SeekOffsets extends Map<string, string> {
    set(topic: string, partition: number, offset: string): this;
  }
}
declare module "kafkajs/src/consumer/consumerGroup" {
  /** A consumer's group membership; joinAndSync is its FindCoordinator, JoinGroup and SyncGroup with retries. */
  export default class ConsumerGroup {
    cluster: object;
    joinAndSync(): Promise<void>;
    /** One fetch from a node: its batches, none when it failed (recoverFromFetch) or had nothing to fetch. */
    fetch(nodeId: number): Promise<unknown[]>;
    /** What a failed fetch does: its retry's backoff (patch 16), a rejoin, … or rethrows. */
    recoverFromFetch(error: unknown, nodeId: number): Promise<void>;
    /** By node, its fetches in a row without an answer (dependency patch 16). */
    unansweredFetches: Map<number, number>;
    getNodeIds(): number[];
    logger: { debug(message: string, extra?: object): void };
  }
}
declare module "kafkajs/src/protocol/requests/produce/v3/response" {
  /** A decoded Produce answer checked: throws the first partition's error, if one failed. */
  export let parse: (data: unknown) => Promise<unknown>;
}
declare module "kafkajs/src/protocol/requests/produce/v4/response" {
  export let parse: (data: unknown) => Promise<unknown>;
}
declare module "kafkajs/src/protocol/requests/produce/v5/response" {
  export let parse: (data: unknown) => Promise<unknown>;
}
declare module "kafkajs/src/protocol/requests/produce/v6/response" {
  export let parse: (data: unknown) => Promise<unknown>;
}
declare module "kafkajs/src/protocol/requests/produce/v7/response" {
  export let parse: (data: unknown) => Promise<unknown>;
}
declare module "kafkajs/src/network/socketFactory" {
  import type { ISocketFactory } from "kafkajs";
  /** kafkajs' default: net.connect, or tls.connect with `ssl`, with TCP keep-alive. */
  export default function defaultSocketFactory(): ISocketFactory;
}
declare module "kafkajs/src/network/connectionPool" {
  /** kafkajs' pool of a broker's two connections (its class); scripts/patches/kafkajs-seed-broker.mjs keeps the process's memory on it. */
  const ConnectionPool: {
    /** host:port of the brokers whose kafkajs requests went unanswered, asked last (the seed broker patch). */
    edgeGatewayUnresponsive?: Set<string>;
  };
  export default ConnectionPool;
}
declare module "kafkajs/src/consumer/offsetManager" {
  /** A consumer's positions under one assignment; setDefaultOffset resets a partition out of range (patch 24). */
  export default class OffsetManager {
    setDefaultOffset(partition: { topic: string; partition: number }): Promise<unknown>;
  }
}
