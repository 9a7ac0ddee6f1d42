import { expect, test } from "bun:test";
import { KafkaAccessError, refusalReason, tlsFailure } from "../access-errors.ts";
import { rewrapped } from "./batch-failures.ts";

// opswalk-c: the copy kept the class, answer and topics but not the failed handshake's code.
test("a rewrapped TLS failure keeps its handshake's code, so its reason stays the handshake's", () => {
  const tls = tlsFailure("Failed to send", Object.assign(new Error("expired"), { code: "CERT_HAS_EXPIRED" }))!;
  const again = rewrapped(tls, "refused");
  expect(again).toBeInstanceOf(KafkaAccessError);
  expect((again as KafkaAccessError).tlsCode).toBe("CERT_HAS_EXPIRED");
  expect(refusalReason(again)).toBe("Kafka's certificate has expired or is not yet valid");
});
