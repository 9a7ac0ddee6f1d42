import { describe, expect, test } from "bun:test";
import { DataError } from "../../errors.ts";
import { expectError } from "../../transforms/util/test-support.ts";
import { ConnectDate, ConnectTimestamp, dateOfMillis } from "./logical.ts";

const BEYOND =
  "is out of the range of dates supported here (dates beyond ±8.64e15 ms from the epoch are not supported)";

// Review runhunt2: Long.MAX_VALUE ("end of time") became an Invalid Date that sinks wrote as `undefined NaN`.
describe("dates beyond a JavaScript Date's ±8.64e15 ms", () => {
  test("the range's ends are dates", () => {
    expect([dateOfMillis(8.64e15, "x").getTime(), dateOfMillis(-8_640_000_000_000_000n, "x").getTime()]).toEqual([
      8.64e15, -8.64e15,
    ]);
  });

  test.each([
    [8.64e15 + 1, "x 8640000000000001"],
    [-8_640_000_000_000_001n, "x -8640000000000001"],
  ])("one past an end (%p) is a DataError naming the value", (ms, what) => {
    expectError(() => dateOfMillis(ms, "x"), DataError, `${what} ${BEYOND}`);
  });

  test("the message names the value as the data held it, in its unit", () => {
    expectError(
      () => dateOfMillis(-8.64e15 - 1000, "y", -8_640_000_000_000n, "seconds"),
      DataError,
      `y -8640000000000 (seconds) ${BEYOND}`,
    );
  });

  test("a Timestamp of Long.MAX_VALUE or Long.MIN_VALUE is a DataError naming the long", () => {
    for (const ms of [9223372036854775807n, -9223372036854775808n]) {
      expectError(
        () => ConnectTimestamp.toLogical(ConnectTimestamp.schema(), ms),
        DataError,
        `Timestamp value ${ms} ${BEYOND}`,
      );
    }
  });

  test("a Date of Integer.MAX_VALUE days is a DataError naming the days; 100,000,000 days is a date", () => {
    expectError(
      () => ConnectDate.toLogical(ConnectDate.schema(), 2147483647),
      DataError,
      `Date value 2147483647 (days) ${BEYOND}`,
    );
    expect(ConnectDate.toLogical(ConnectDate.schema(), -100_000_000).getTime()).toBe(-8.64e15);
  });
});
