/**
 * For unit tests of a @platformatic/kafka consumer's offset commit (src/kafka/dependency-patches.test.ts,
 * commit-fencing.test.ts): a library consumer whose coordinator is a function, with no broker.
 */
import { Consumer } from "@platformatic/kafka";

export type Callback = (error: Error | null, result?: unknown) => void;
/** The library's OffsetCommit API, as the consumer calls it: the callback is the last argument. */
export type OffsetCommit = (
  c: unknown,
  g: string,
  generation: number,
  memberId: string | null,
  ...rest: unknown[]
) => void;

/**
 * A library consumer of static member `i` of group g, member id m-old (generation 7), whose OffsetCommits
 * `offsetCommit` answers, as a coordinator would; its other requests are answered with no error.
 */
export function commitAnsweredBy(offsetCommit: OffsetCommit): Consumer<Buffer, Buffer, Buffer, Buffer> {
  const consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({
    clientId: "c",
    bootstrapBrokers: ["localhost:9"],
    groupId: "g",
    groupInstanceId: "i",
    retryDelay: 0,
  });
  // The library's own steps (private symbols) answer as the coordinator.
  const own = (name: string) => {
    for (let o: object | null = consumer; o; o = Object.getPrototypeOf(o)) {
      const found = Object.getOwnPropertySymbols(o).find((s) => s.description === `plt.kafka.base.${name}`);
      if (found) return found;
    }
    throw new Error(`no ${name}`);
  };
  const answer = (...args: unknown[]) => (args.at(-1) as Callback)(null, ...args.slice(0, -1));
  const findCoordinator = Object.assign(
    (_c: unknown, _t: unknown, _k: unknown, cb: Callback) => cb(null, { coordinators: [{ key: "g", nodeId: 1 }] }),
    { version: 4 },
  );
  const fake = consumer as unknown as Record<symbol, unknown>;
  fake[own("getBootstrapConnection")] = (cb: Callback) => cb(null, {});
  fake[own("getConnection")] = (_b: unknown, cb: Callback) => cb(null, {});
  fake[own("metadata")] = (_o: unknown, cb: Callback) => cb(null, { brokers: new Map([[1, {}]]) });
  fake[own("getApi")] = (name: string, cb: Callback) =>
    cb(null, name === "FindCoordinator" ? findCoordinator : name === "OffsetCommit" ? offsetCommit : answer);
  Object.assign(consumer, { generationId: 7, memberId: "m-old" });
  return consumer;
}
