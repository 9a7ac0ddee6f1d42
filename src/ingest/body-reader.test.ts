import { describe, expect, test } from "bun:test";
import { readBody } from "./body-reader.ts";

function streaming(chunks: string[], pulled: { count: number }): Request {
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks[pulled.count++];
      if (next === undefined) controller.close();
      else controller.enqueue(new TextEncoder().encode(next));
    },
  });
  return new Request("http://x/", { method: "POST", body, duplex: "half" } as RequestInit);
}

describe("readBody", () => {
  test("a declared Content-Length over the limit is refused before reading", async () => {
    const request = new Request("http://x/", {
      method: "POST",
      body: "x".repeat(20),
      headers: { "Content-Length": "20" },
    });
    await expect(readBody(request, 10)).rejects.toMatchObject({ status: 413, errorCode: 413 });
  });

  test("a chunked body stops being read once it crosses the limit", async () => {
    const pulled = { count: 0 };
    const chunks = Array.from({ length: 100 }, () => "0123456789");
    await expect(readBody(streaming(chunks, pulled), 25)).rejects.toMatchObject({ status: 413 });
    expect(pulled.count).toBeLessThan(6);
  });

  test("bodies within the limit are read whole", async () => {
    const pulled = { count: 0 };
    expect(new TextDecoder().decode(await readBody(streaming(["ab", "cd"], pulled), 4))).toBe("abcd");
  });
});
