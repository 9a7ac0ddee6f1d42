import { describe, expect, test } from "bun:test";
import { findInError } from "./find-in-error.ts";

const marked = (mark: string) => Object.assign(new Error(mark), { mark });
type Node = { mark?: string; message?: string };
const mark = (e: Node) => e.mark;

describe("findInError", () => {
  test("finds a mark on the error, a cause or an aggregated error, depth first", () => {
    expect(findInError(marked("top"), mark)).toBe("top");
    expect(findInError(new Error("a", { cause: new Error("b", { cause: marked("deep") }) }), mark)).toBe("deep");
    expect(
      findInError(new AggregateError([new Error("x"), marked("second")], "many", { cause: marked("cause") }), mark),
    ).toBe("second");
  });

  test("ends at a value that is no object, a self cause and a cycle", () => {
    expect(findInError("text", mark)).toBeUndefined();
    const self: Error = new Error("self");
    self.cause = self;
    expect(findInError(self, mark)).toBeUndefined();
    const a = new Error("a");
    const b = new Error("b", { cause: a });
    a.cause = b;
    expect(findInError(a, mark)).toBeUndefined();
  });

  test("`after` answers for a node once its inner errors gave nothing", () => {
    const outer = new Error("outer", { cause: new Error("inner") });
    expect(findInError(outer, mark, (e: Node) => e.message)).toBe("inner");
  });
});
