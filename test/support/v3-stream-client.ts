/**
 * A REST Proxy v3 streaming client on a raw socket (plain or TLS): one chunked
 * `POST …/records` whose records are written as the test goes, and whose delivery reports are
 * read as they come (the response is decoded as it arrives: head, then chunked body). Used by
 * test/ingest-v3-streaming.test.ts.
 */
import { type Socket, connect as tcpConnect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { settled, waitFor } from "./wait-for.ts";

/** PEM texts of an https client: the CA it trusts, its certificate and key. */
export interface ClientTls {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

export interface StreamReport {
  readonly error_code: number;
  readonly message?: string;
  readonly partition_id?: number;
  readonly offset?: number;
}

export class V3StreamClient {
  private raw = Buffer.alloc(0);
  private head: { status: number; headers: string } | undefined;
  /** The body decoded so far (chunked framing removed). */
  private body = "";
  private ended = false;
  private closed = false;

  private constructor(private readonly socket: Socket) {
    socket.on("data", (data: Buffer) => {
      this.raw = Buffer.concat([this.raw, data]);
      this.decode();
    });
    socket.on("close", () => {
      this.closed = true;
    });
    socket.on("error", () => undefined);
  }

  /** Opens `url` (http or https: with `tls`, the CA to trust and the client certificate) and sends the request head. */
  static async open(url: string, tls?: ClientTls): Promise<V3StreamClient> {
    const u = new URL(url);
    const port = Number(u.port);
    const socket =
      u.protocol === "https:"
        ? tlsConnect({ host: u.hostname, port, ...tls, servername: "localhost" })
        : tcpConnect({ host: u.hostname, port });
    await new Promise<void>((resolve, reject) => {
      socket.once(u.protocol === "https:" ? "secureConnect" : "connect", () => resolve());
      socket.once("error", reject);
    });
    const client = new V3StreamClient(socket);
    socket.write(
      `POST ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
    );
    return client;
  }

  /** Sends `text` as one chunk of the body. */
  write(text: string): void {
    const bytes = Buffer.from(text);
    this.socket.write(`${bytes.length.toString(16)}\r\n`);
    this.socket.write(bytes);
    this.socket.write("\r\n");
  }

  /** Ends the body (the last chunk). */
  end(): void {
    this.socket.write("0\r\n\r\n");
  }

  /** Closes the connection at once, as a client that goes away. */
  destroy(): void {
    this.socket.destroy();
  }

  /** The response's status, once its head arrived. */
  async status(): Promise<number> {
    return (await waitFor(() => this.head, { what: "the response head" })).status;
  }

  get headers(): string {
    return this.head?.headers ?? "";
  }

  /** The reports received so far. */
  reports(): StreamReport[] {
    return splitReports(this.body);
  }

  /** Waits until `count` reports arrived in all; returns them. */
  async reportsUntil(count: number): Promise<StreamReport[]> {
    return waitFor(
      () => {
        const all = this.reports();
        return all.length >= count ? all : undefined;
      },
      { what: `${count} reports (have: ${this.body})` },
    );
  }

  /** Waits for the response's end (its last chunk); returns every report. */
  async finished(timeoutMs = 20_000): Promise<StreamReport[]> {
    await waitFor(() => this.ended || this.closed, { what: "the end of the response", timeoutMs });
    if (!this.ended) throw new Error(`the connection closed before the response ended; body: ${this.body}`);
    return this.reports();
  }

  /** Waits for the connection to close. */
  async closedByServer(): Promise<void> {
    await settled(
      new Promise<void>((resolve) => {
        if (this.closed) resolve();
        else this.socket.once("close", () => resolve());
      }),
      { what: "the connection's close" },
    );
  }

  private decode(): void {
    if (!this.head) {
      const end = this.raw.indexOf("\r\n\r\n");
      if (end < 0) return;
      const text = this.raw.subarray(0, end).toString("latin1");
      this.head = { status: Number(text.split(" ")[1]), headers: text };
      this.raw = this.raw.subarray(end + 4);
    }
    for (;;) {
      const line = this.raw.indexOf("\r\n");
      if (line < 0) return;
      const size = Number.parseInt(this.raw.subarray(0, line).toString("latin1"), 16);
      if (size === 0) {
        this.ended = true;
        return;
      }
      if (this.raw.length < line + 2 + size + 2) return;
      this.body += this.raw.subarray(line + 2, line + 2 + size).toString("utf8");
      this.raw = this.raw.subarray(line + 2 + size + 2);
    }
  }
}

/** Concatenated reports, each `{"error_code":…}`, split and parsed. */
export function splitReports(body: string): StreamReport[] {
  if (body === "") return [];
  return body
    .split(/(?=\{"error_code":)/)
    .filter((text) => text.length > 0)
    .map((text) => JSON.parse(text) as StreamReport);
}
