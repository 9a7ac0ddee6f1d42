import { describe, expect, test } from "bun:test";
import { JavaException } from "../errors.ts";
import { CLASSIFIED_CHARS, HttpTransportError, transportFailureOf } from "./http-errors.ts";
import { isNotHttpFailure, networkException } from "./network-exception.ts";

/** An error as fetch throws it: Bun's code and message. */
const thrown = (code: string, message: string) => Object.assign(new Error(message), { code });

describe("transportFailureOf", () => {
  // p3sinkc 2: EAI_AGAIN (the resolver did not answer in time) is a host that did not resolve, as Java reports it.
  // Its message holds no word either reads (getaddrinfo, EAI_AGAIN), so the code decides.
  test("EAI_AGAIN is a connect failure, an UnknownHostException", () => {
    const error = thrown("EAI_AGAIN", "the resolver did not answer in time");
    expect(transportFailureOf(error)).toBe("connect");
    const exception = networkException("connect", error.message, error, { code: "EAI_AGAIN", host: "x" });
    expect(exception.javaClass).toBe("java.net.UnknownHostException");
  });

  // p3sinkc-b 1: with no code to decide, Bun's words are read without the host it names bare.
  test("a failure without a code naming the host dns.example is no UnknownHostException by the host's words", () => {
    const error = thrown("", "Unable to connect to dns.example");
    const failed = { code: "", host: "dns.example" };
    expect(networkException("connect", "dns.example:443: refused", error, failed).javaClass).toBe(
      "java.net.ConnectException",
    );
  });

  // p3sinkc 2: ConnectionClosed names a connection that was made, then closed: a reset, not a connection never made.
  test("ConnectionClosed is an io failure, by its code or its words", () => {
    expect(transportFailureOf(thrown("ConnectionClosed", "ConnectionClosed"))).toBe("io");
    expect(transportFailureOf(thrown("", "ConnectionClosed: the peer closed the connection"))).toBe("io");
  });

  // p3sinkc 5: "Proxy refused to open a tunnel" read as a refused connection by its words, and a reason phrase
  // naming DNS as an unknown host: the code decides, whatever the proxy's words.
  test.each(["Proxy refused to open a tunnel: 407 Proxy Authentication Required", "Proxy refused …: 502 certificate"])(
    "ERR_PROXY_TUNNEL is a connect failure by its code (%s)",
    (message) => {
      expect(transportFailureOf(thrown("ERR_PROXY_TUNNEL", message))).toBe("connect");
    },
  );

  // p3sinkc 1: the URL removal's unbounded scheme was tried again from each word of a long message (`a.a.a.…`): a
  // proxy's 60 KB reason phrase held the event loop ~600 ms. Only the message's first CLASSIFIED_CHARS characters
  // are read, so no regex there sees more: a word past them does not classify the failure, one just before does.
  test("a 64 KB message is read for its first CLASSIFIED_CHARS characters only", () => {
    const word = "ECONNREFUSED";
    const read = "a.".repeat(32_768).slice(0, CLASSIFIED_CHARS - word.length) + word;
    const unread = "a.".repeat(32_768).slice(0, CLASSIFIED_CHARS) + word;
    expect(transportFailureOf(thrown("", read))).toBe("connect");
    expect(transportFailureOf(thrown("", unread + "a.".repeat(32_768)))).toBe("io");
    expect(transportFailureOf(thrown("", `${"https://".repeat(8_192)}${"a.".repeat(16_384)}`))).toBe("io");
  });

  test("a URL's words stay unread up to the bound, and a scheme of up to 32 characters is a URL's", () => {
    const scheme = `x${"y".repeat(31)}`;
    expect(transportFailureOf(thrown("", `Malformed fetching "${scheme}://h/certificates/dns"`))).toBe("io");
  });
});

describe("isNotHttpFailure", () => {
  // p3sinkc 3: it read the fact from the Java class name of the cause.
  test("reads the transport error's notHttp, not its cause's class", () => {
    const protocol = new JavaException("java.net.ProtocolException", "x");
    expect(isNotHttpFailure(new HttpTransportError("io", "m", { code: "Malformed_HTTP_Response" }))).toBe(true);
    expect(isNotHttpFailure(new HttpTransportError("io", "m", { cause: protocol }))).toBe(false);
    expect(isNotHttpFailure(new Error("m"))).toBe(false);
  });
});
