/**
 * The HTTP source's partition key by version: offsets.ts sourcePartition keys the connector's one
 * partition `{"url": offsetKey(http.url)}`, and on start the task looks its offset up under the
 * current key, then under each earlier key, newest first (offset-key-migration.ts). Each version's
 * function is FROZEN in its own module with a golden table beside it: a version that changed would
 * lose every position stored under it. To hide more in keys, add a version: write
 * offset-key-v<N>.ts, make it `offsetKey`, and put the one it replaces first in EARLIER_OFFSET_KEYS.
 *
 *   v4 (current, offset-key-v4.ts): v3's key with the user info of each scheme-less
 *      `user:password@host[:port]` in a parameter's value (its start, a list's elements, quoted ones),
 *      plain or percent-encoded, hidden (`?proxy=***@proxy:3128`, `?proxies=***@p1,***@p2`,
 *      `?url=***%40proxy%3A3128`); for every other http.url the same as v3.
 *   v3 (offset-key-v3.ts): hides what the log masking hid at v3 (a URL percent-encoded
 *      in a parameter's value, `code_verifier`), shows `author`, `signal`, and reads a placeholder
 *      port (`h:${offset}`) as a port, not as the start of a user info running to the last `@`.
 *   v2 (offset-key-v2.ts): hides what the log masking hid at v2, and never a part of a secret (a
 *      space ends no value).
 *   v1 (offset-key-v1.ts): the masking before secret names such as `code`, `pwd`, `jsessionid`
 *      and nested URLs' parameters were hidden.
 *   v0 (offset-key-v0.ts): the masking before the user info fix (an `@` in the query ended a
 *      user info; `;` parameters shown; other parameters form-encoded again).
 */
import { offsetKeyV0 } from "./offset-key-v0.ts";
import { offsetKeyV1 } from "./offset-key-v1.ts";
import { offsetKeyV2 } from "./offset-key-v2.ts";
import { offsetKeyV3 } from "./offset-key-v3.ts";
import { offsetKeyV4 } from "./offset-key-v4.ts";

/** A version of the partition key: its name (`v1`) and its frozen function. */
export interface OffsetKeyVersion {
  readonly version: string;
  readonly key: (url: string) => string;
}

/** The current partition `url` of an HTTP source polling `url`. */
export const offsetKey: (url: string) => string = offsetKeyV4;

/** The earlier versions' keys, newest first: looked up in this order when the current one has nothing. */
export const EARLIER_OFFSET_KEYS: readonly OffsetKeyVersion[] = [
  { version: "v3", key: offsetKeyV3 },
  { version: "v2", key: offsetKeyV2 },
  { version: "v1", key: offsetKeyV1 },
  { version: "v0", key: offsetKeyV0 },
];
