import { describe, expect, test } from "bun:test";
import { EventEmitter } from "node:events";
import type { Consumer } from "@platformatic/kafka";
import { closeForGood, detach, JoinHook } from "./consumer-shutdown.ts";

type LibraryConsumer = Consumer<Buffer, Buffer, Buffer, Buffer>;

/** As the library's emitter: removeAllListeners() passes its missing argument on (removing nothing, in Bun). */
class LibraryEmitter extends EventEmitter {
  override removeAllListeners(event?: string | symbol): this {
    return super.removeAllListeners(event as string | symbol);
  }
}

/** The parts of the library's consumer the shutdown uses, recording the calls. */
function fakeConsumer(closeResults: (Error | null)[]) {
  const calls: string[] = [];
  const fake = Object.assign(new LibraryEmitter(), {
    memberId: "member-1" as string | null,
    closed: false,
    leaveGroup(_force: boolean, callback: (error: Error | null) => void) {
      calls.push(`leaveGroup(${fake.memberId})`);
      callback(null);
    },
    close() {
      calls.push("close");
      const error = closeResults.shift() ?? null;
      if (!error) fake.closed = true;
      return error ? Promise.reject(error) : Promise.resolve();
    },
    connections: {
      close() {
        calls.push("connections.close");
        return Promise.resolve();
      },
    },
  });
  return { fake, library: fake as unknown as LibraryConsumer, calls };
}

describe("closeForGood", () => {
  test("leaves the group (membership off) before the close", async () => {
    const { library, calls } = fakeConsumer([]);
    await closeForGood(library, 10_000);
    expect(calls).toEqual(["leaveGroup(member-1)", "close"]);
  });

  test("a failed close: gives the member id up, turns the membership off, closes again and reports the failure", async () => {
    const { library, calls } = fakeConsumer([new Error("LeaveGroup failed")]);
    await expect(closeForGood(library, 10_000)).rejects.toThrow("LeaveGroup failed");
    expect(calls).toEqual(["leaveGroup(member-1)", "close", "leaveGroup(null)", "close"]);
  });

  test("a leave the coordinator does not answer is awaited at most the given time, then the close goes on", async () => {
    const { fake, library, calls } = fakeConsumer([]);
    fake.leaveGroup = (_force, _callback) => void calls.push("leaveGroup (no answer)");
    await closeForGood(library, 20);
    expect(calls).toEqual(["leaveGroup (no answer)", "close"]);
  });

  test("a close that fails twice: its connections are closed", async () => {
    const { library, calls } = fakeConsumer([new Error("first"), new Error("second")]);
    await expect(closeForGood(library, 10_000)).rejects.toThrow("first");
    expect(calls.at(-1)).toBe("connections.close");
  });
});

describe("detach", () => {
  test("drops the adapter's listeners and joinGroup override, cuts the join hook (which then refuses), keeps errors harmless", async () => {
    const { fake, library } = fakeConsumer([]);
    let joined = 0;
    const hook = new JoinHook(async () => void joined++);
    const userData = hook.callback(() => "user data");
    Object.assign(fake, { joinGroup: () => undefined });
    fake.on("consumer:group:join", () => undefined);
    fake.on("error", () => undefined);
    await userData();
    detach(library, hook);
    expect(fake.listenerCount("consumer:group:join")).toBe(0);
    expect(Object.hasOwn(fake, "joinGroup")).toBe(false);
    expect(() => fake.emit("error", new Error("late"))).not.toThrow();
    // Cut: the library's next JoinGroup is refused (a detached consumer joins no more).
    await expect(userData()).rejects.toThrow("The consumer was closed");
    expect(joined).toBe(1);
  });
});
