/**
 * The internal endpoints' signature check, as distributed Connect's (explore9 F6): the recorded
 * answers are in test/connect-rest-explore9-recorded.test.ts; here the rest of
 * java.util.Base64's decoder messages (from its source) and the header rules.
 */
import { describe, expect, test } from "bun:test";
import { RestError } from "../errors.ts";
import { refuseInternalRequest } from "./internal-request-signature.ts";

function answer(headers: Record<string, string>): [number, string] {
  try {
    refuseInternalRequest(new Headers(headers));
  } catch (error) {
    if (error instanceof RestError) return [error.status, error.message];
    throw error;
  }
  throw new Error("no answer");
}

const signed = (signature: string, algorithm = "HmacSHA256") => ({
  "X-Connect-Request-Signature-Algorithm": algorithm,
  "X-Connect-Authorization": signature,
});

describe("refuseInternalRequest", () => {
  test.each([
    [{}, 400, "Internal request missing required signature"],
    [{ "X-Connect-Authorization": "c2ln" }, 400, "Internal request missing required signature"],
    [signed("c2ln"), 403, "Internal request contained invalid signature."],
    [signed(""), 403, "Internal request contained invalid signature."],
    [signed("c2ln", "hmacsha256"), 400, "This worker does not support the 'hmacsha256' key signing algorithm"],
    [signed("!!", "Bogus"), 400, "Algorithm Bogus not available"],
    [signed("c"), 400, "Input byte[] should at least have 2 bytes for base64 bytes"],
    [signed("c2l"), 403, "Internal request contained invalid signature."],
    [signed("c2lnb"), 400, "Last unit does not have enough valid bits"],
    [signed("c2=="), 403, "Internal request contained invalid signature."],
    [signed("c2="), 400, "Input byte array has wrong 4-byte ending unit"],
    [signed("c2l=x"), 400, "Input byte array has incorrect ending byte at 4"],
    [signed("=c2l"), 400, "Input byte array has wrong 4-byte ending unit"],
    [signed("c2ln-A"), 400, "Illegal base64 character 2d"],
    [signed("c2ln\u00e9A"), 400, "Illegal base64 character -17"],
  ])("%p → %d %s", (headers, status, message) => {
    const [s, m] = answer(headers);
    expect([s, m.slice(0, message.length)]).toEqual([status, message]);
  });
});
