import { describe, expect, test } from "bun:test";
import { keysShowingWhatLogsHide } from "./offset-key-test-support.ts";
import { offsetKeyV3 } from "./offset-key-v3.ts";
import { offsetKeyV4 } from "./offset-key-v4.ts";
import { sourcePartition } from "./offsets.ts";

// Golden: the version 4 partition `url` every HTTP source's stored position is found under. A change
// that fails a row loses that source's offsets (see offset-key-v4.ts): add a version, never a new value.
// `s3` marks each secret. v3's golden table (offset-key-v3.test.ts) is v4's too: v4 keys each of its
// rows as v3 does.
const HIDDEN: ReadonlyArray<readonly [string, string]> = [
  // A scheme-less user:password@host[:port] as a query, fragment or `;` parameter's value (v3 showed it).
  ["https://api.example/x?proxy=alice:s3cret@proxy:3128&a=1", "https://api.example/x?proxy=***@proxy:3128&a=1"],
  ["https://api.example/x?a=1#proxy=alice:s3cret@proxy:3128", "https://api.example/x?a=1#proxy=***@proxy:3128"],
  ["https://api.example/x?a=1;proxy=alice:s3cret@proxy", "https://api.example/x?a=1;proxy=***@proxy"],
  ["https://api.example/x?proxy=alice:s3cret@proxy&token=s3cret", "https://api.example/x?proxy=***@proxy&token=***"],
  [
    "https://api.example/x?next=http://h/y?proxy=alice:s3cret@proxy",
    "https://api.example/x?next=http://h/y?proxy=***@proxy",
  ],
  // Its password holding `@`, `;`, `?`, `,`, `*` or a placeholder; its host an IP literal or a placeholder.
  ["https://api.example/x?proxy=alice:s3@cret@proxy:3128", "https://api.example/x?proxy=***@proxy:3128"],
  ["https://api.example/x?proxy=alice:s3;cr?et@proxy:3128", "https://api.example/x?proxy=***@proxy:3128"],
  ["https://api.example/x?hosts=k1:9092,alice:s3cret@k2:9092", "https://api.example/x?hosts=k1:9092,***@k2:9092"],
  // Review mask4r2 (P2-1): also with a percent-escape in the value, or its `, ` written `,%20`.
  [
    "https://api.example/x?hosts=k1:9092,alice:s3cret@k2:9092,k3%2Dx:9092",
    "https://api.example/x?hosts=k1:9092,***@k2:9092,k3%2Dx:9092",
  ],
  [
    "https://api.example/x?hosts=[fe80::1%25eth0]:9092,alice:s3cret@k2",
    "https://api.example/x?hosts=[fe80::1%25eth0]:9092,***@k2",
  ],
  ["https://api.example/x?hosts=k1:9092, alice:s3cret@k2", "https://api.example/x?hosts=k1:9092,%20***@k2"],
  [
    "http://h:${offset}/x?hosts=k1:9092,alice:s3cret@k2,k3%2Dx:9092",
    "http://h:${offset}/x?hosts=k1:9092,***@k2,k3%2Dx:9092",
  ],
  ["https://api.example/x?proxy=alice:s3*cret@proxy", "https://api.example/x?proxy=***@proxy"],
  ["https://api.example/x?proxy=svc:${env:PASS}@proxy:3128", "https://api.example/x?proxy=***@proxy:3128"],
  ["https://api.example/x?proxy=svc:s3cret@[::1]:3128", "https://api.example/x?proxy=***@[::1]:3128"],
  [
    "https://api.example/x?proxy=svc:s3cret@${env:HOST}:${env:PORT}",
    "https://api.example/x?proxy=***@${env:HOST}:${env:PORT}",
  ],
  ["https://api.example/x?q=from:alice@example.com", "https://api.example/x?q=***@example.com"],
  // A domain before the user name (a Windows-domain user) stays, as the log masking shows it.
  ["https://api.example/x?proxy=corp/alice:s3cret@proxy:3128", "https://api.example/x?proxy=corp/***@proxy:3128"],
  ["https://api.example/x?proxy=corp/${env:U}:s3cret@proxy", "https://api.example/x?proxy=corp/***@proxy"],
  ["https://api.example/x?url=corp%2Falice%3As3cret%40proxy", "https://api.example/x?url=corp%2F***%40proxy"],
  // Followed by a path or another separator (a DSN), or with an empty user name.
  ["https://api.example/x?db=alice:s3cret@db.example:5432/app", "https://api.example/x?db=***@db.example:5432/app"],
  [
    "https://api.example/x?db=alice:s3cret@db/app,b&c=:s3cret@proxy",
    "https://api.example/x?db=***@db/app,b&c=***@proxy",
  ],
  ["https://api.example/x?url=alice%3As3cret%40db%2Fapp", "https://api.example/x?url=***%40db%2Fapp"],
  // The second reading ends a value at `?` or `;` too (a parameter in a value).
  ["https://api.example/x?a=b:s3@d?e", "https://api.example/x?a=***@d?e"],
  // Review mask4 (P2-1, P3-3): each element of a list (`,` or `;`, spaces after it), a quoted or
  // bracketed one (a JSON-style value), plain or percent-encoded.
  [
    "https://api.example/x?proxies=alice:s3cret@p1:3128,bob:s3cret@p2:3128",
    "https://api.example/x?proxies=***@p1:3128,***@p2:3128",
  ],
  [
    "https://api.example/x?proxies=alice:s3cret@p1:3128, bob:s3cret@p2:3128",
    "https://api.example/x?proxies=***@p1:3128,%20***@p2:3128",
  ],
  [
    "https://api.example/x?proxies=alice:s3cret@p1:3128;bob:s3cret@p2:3128",
    "https://api.example/x?proxies=***@p1:3128;***@p2:3128",
  ],
  [
    "https://api.example/x?proxies=alice%3As3cret%40p1%3A3128%2Cbob%3As3cret%40p2%3A3128",
    "https://api.example/x?proxies=***%40p1%3A3128%2C***%40p2%3A3128",
  ],
  [
    "https://api.example/x?proxies=alice%3As3cret%40p1%3A3128%3B%20bob%3As3cret%40p2%3A3128",
    "https://api.example/x?proxies=***%40p1%3A3128%3B%20***%40p2%3A3128",
  ],
  [
    "https://api.example/x?proxies=corp/alice:s3cret@p1,corp/bob:s3cret@p2",
    "https://api.example/x?proxies=corp/***@p1,corp/***@p2",
  ],
  ['https://api.example/x?q={"proxy":"alice:s3cret@proxy"}', "https://api.example/x?q={%22proxy%22:%22***@proxy%22}"],
  [
    "https://api.example/x?q=%7B%22proxy%22%3A%22alice%3As3cret%40proxy%22%7D",
    "https://api.example/x?q=%7B%22proxy%22%3A%22***%40proxy%22%7D",
  ],
  ['https://api.example/x?filter="u:s3cret@h"&a=(u:s3cret@h)', "https://api.example/x?filter=%22***@h%22&a=(***@h)"],
  ["http://h:${offset}/x?proxies=alice:s3cret@p1, bob:s3 cret@p2", "http://h:${offset}/x?proxies=***@p1, ***@p2"],
  // Review mask4 (P2-2): a domain in a `;` parameter, after a path parameter, in a fragment's, in a
  // URL inside a value, percent-encoded.
  [
    "https://api.example/x?a=1;proxy=corp/alice:s3cret@proxy:3128",
    "https://api.example/x?a=1;proxy=corp/***@proxy:3128",
  ],
  [
    "https://api.example/x;m=1?proxy=corp/alice:s3cret@proxy:3128",
    "https://api.example/x;m=1?proxy=corp/***@proxy:3128",
  ],
  ["https://api.example/x#a=1;proxy=corp/alice:s3cret@proxy", "https://api.example/x#a=1;proxy=corp/***@proxy"],
  [
    "https://api.example/x?next=http://h/y?proxy=corp/alice:s3cret@proxy",
    "https://api.example/x?next=http://h/y?proxy=corp/***@proxy",
  ],
  [
    "https://api.example/x?url=a%3D1%3Bproxy%3Dcorp%2Falice%3As3cret%40proxy",
    "https://api.example/x?url=a%3D1%3Bproxy%3Dcorp%2F***%40proxy",
  ],
  // Review mask4 (P2-3): a `?` after the host (a DSN's options), plain or percent-encoded.
  [
    "https://api.example/x?db=alice:s3cret@db:5432?sslmode=require",
    "https://api.example/x?db=***@db:5432?sslmode=require",
  ],
  ["https://api.example/x?db=alice:s3cret@db?x", "https://api.example/x?db=***@db?x"],
  [
    "https://api.example/x?url=alice%3As3cret%40db%3A5432%3Fsslmode%3Drequire",
    "https://api.example/x?url=***%40db%3A5432%3Fsslmode%3Drequire",
  ],
  ["https://api.example/x?x=a:s3@c?y", "https://api.example/x?x=***@c?y"],
  // A user info after that `?`; a value holding a plain and a percent-encoded one.
  ["https://api.example/x?x=u:s3cret@h?alice:s3cret@proxy", "https://api.example/x?x=***@h?***@proxy"],
  [
    "https://api.example/x?url=a:b@c?alice%3As3cret%40proxy%3A3128",
    "https://api.example/x?url=***@c?***%40proxy%3A3128",
  ],
  ["https://api.example/x?p=u:s3cret@h;x=alice%3As3cret%40proxy", "https://api.example/x?p=***@h;x=***%40proxy"],
  [
    "https://api.example/x?proxy=u:s3cret%3D%3D@proxy;alice%3As3cret%40proxy%3A3128",
    "https://api.example/x?proxy=***@proxy;***%40proxy%3A3128",
  ],
  // Review mask4 (P3-3): an email as the user name, plain or percent-encoded.
  ["https://api.example/x?proxy=alice@corp:s3cret@proxy:3128", "https://api.example/x?proxy=***@proxy:3128"],
  [
    "https://api.example/x?proxy=alice%40corp%3As3cret%40proxy%3A3128",
    "https://api.example/x?proxy=***%40proxy%3A3128",
  ],
  // Over-hiding, as the log masking (README): a search query read as `user:password@host`.
  ["https://api.example/search?q=label:bug+assignee:bob@corp.com", "https://api.example/search?q=***@corp.com"],
  // Not parsed (a placeholder port): the value as written, a space ending no password.
  [
    "http://h:${offset}/x?proxy=alice:s3 cret@proxy:3128&since=${offset}",
    "http://h:${offset}/x?proxy=***@proxy:3128&since=${offset}",
  ],
  // Percent-encoded, hidden where the value writes it: once, partly, up to four times, a parameter of
  // its decoding.
  ["https://api.example/x?url=svc%3As3cret%40proxy%3A3128", "https://api.example/x?url=***%40proxy%3A3128"],
  ["https://api.example/x?url=svc%3as3cret%40proxy&a=1", "https://api.example/x?url=***%40proxy&a=1"],
  ["https://api.example/x?url=svc:s3cret%40proxy%3A3128", "https://api.example/x?url=***%40proxy%3A3128"],
  ["https://api.example/x?url=svc%3As3%20cret%40proxy", "https://api.example/x?url=***%40proxy"],
  ["https://api.example/x?url=svc%253As3cret%2540proxy%253A3128", "https://api.example/x?url=***%2540proxy%253A3128"],
  ["https://api.example/x?url=svc%2525253As3cret%25252540proxy", "https://api.example/x?url=***%25252540proxy"],
  [
    "https://api.example/x?body=a%3D1%26proxy%3Dalice%253As3cret%2540h",
    "https://api.example/x?body=a%3D1%26proxy%3D***%2540h",
  ],
  ["https://api.example/x?url=svc%3As3%2Acret%40proxy", "https://api.example/x?url=***%40proxy"],
];

// No scheme-less user info (or one v3 hides already, or past v3's depth): as v3 keys them.
const AS_V3: ReadonlyArray<readonly [string, string]> = [
  [
    "https://api.example/x?url=svc%252525253Ap5cret%2525252540proxy",
    "https://api.example/x?url=svc%252525253Ap5cret%2525252540proxy",
  ],
  ["https://api.example/x?email=a@b.c&at=12:30&x=a:b", "https://api.example/x?email=a@b.c&at=12:30&x=a:b"],
  [
    "https://api.example/x?to=mailto:a@b.c&url=mailto%3Aa%40b.c",
    "https://api.example/x?to=mailto:a@b.c&url=mailto%3Aa%40b.c",
  ],
  [
    "https://api.example/x?proxy=${env:U}:${env:P}@proxy:3128",
    "https://api.example/x?proxy=${env:U}:${env:P}@proxy:3128",
  ],
  ["https://api.example/x?next=http://u:s3cret@h/y", "https://api.example/x?next=http://***@h/y"],
  ["https://api.example/x?email=a%40b.c&at=12%3A30", "https://api.example/x?email=a%40b.c&at=12%3A30"],
  ["https://api.example/users/a:b@c/x", "https://api.example/users/a:b@c/x"],
  ["https://api.example/x?f=u:p@h:x&g=u:p@h.c!", "https://api.example/x?f=u:p@h:x&g=u:p@h.c!"],
  [
    "https://api.example/x?path=/api/v1/a:b@c&b=api/v1/a:b@c&c=corp/mailto:a@b.c",
    "https://api.example/x?path=/api/v1/a:b@c&b=api/v1/a:b@c&c=corp/mailto:a@b.c",
  ],
  ["alice:s3cret@proxy:3128", "***@proxy:3128"],
  // A list of `user@host:port`s holds no password.
  [
    "https://api.example/x?proxies=alice@p1:3128,bob@p2:3128",
    "https://api.example/x?proxies=alice@p1:3128,bob@p2:3128",
  ],
  [
    "https://api.example/x?proxies=alice@p1:3128;bob@p2:3128",
    "https://api.example/x?proxies=alice@p1:3128;bob@p2:3128",
  ],
  // Review mask4 (P3-1): a list's placeholder-only user info holds no secret (judged per element).
  [
    "https://api.example/x?hosts=k1:9092,${env:U}:${env:P}@k2",
    "https://api.example/x?hosts=k1:9092,${env:U}:${env:P}@k2",
  ],
];

const GOLDEN = [...HIDDEN, ...AS_V3];

describe("offsetKeyV4", () => {
  test.each(GOLDEN)("%s is keyed %s", (url, key) => expect(offsetKeyV4(url)).toBe(key));

  test("differs from v3's key only where v3 shows a scheme-less user info", () => {
    expect(HIDDEN.filter(([url]) => offsetKeyV3(url) === offsetKeyV4(url))).toEqual([]);
    expect(AS_V3.filter(([url]) => offsetKeyV3(url) !== offsetKeyV4(url))).toEqual([]);
  });

  // A module the log masking changes would move v4 keys with it.
  test("imports only frozen modules, no live masking module", async () => {
    const transpiler = new Bun.Transpiler({ loader: "ts" });
    const source = await Bun.file(new URL("./offset-key-v4.ts", import.meta.url)).text();
    expect(transpiler.scanImports(source).map((found) => found.path)).toEqual([
      "../../util/placeholders.ts",
      "./offset-key-v3.ts",
      "./offset-key-v3-encoded.ts",
    ]);
  });

  test("is the source partition's url (the current version)", () => {
    for (const [url, key] of GOLDEN) expect(sourcePartition(url)).toEqual({ url: key });
  });

  // When the log masking hides more and this fails, the key needs a new version (offset-key.ts).
  test("hides every secret the log masking hides", () => {
    expect(keysShowingWhatLogsHide(GOLDEN)).toEqual([]);
    expect(GOLDEN.filter(([, key]) => key.includes("s3")).map(([url]) => url)).toEqual([]);
  });

  // A long http.url (each value read a bounded number of times at each decoding): keyed, its secret hidden.
  test.each([
    ["scheme-less user infos in values", `?a=${"a:b@h&a=".repeat(100_000)}`],
    ["`@` in one long password", `?a=a:${"@".repeat(400_000)}`],
    ["`:@` after one user name", `?a=a${":@".repeat(200_000)}`],
    // A user name without its `:` was read in exponentially many ways (found before release).
    ["a user name without a `:`", `?a=${"a".repeat(400_000)}@h&b=corp/${"a".repeat(400_000)}@h`],
    ["placeholder hosts never closed", `?a=a:b${"@${".repeat(200_000)}`],
    ["percent-encoded user infos", `?a=${"a%3Ab%40h%26a%3D".repeat(40_000)}`],
    ["encoded parameters encoded again", `?a=${"%253Fb%253D%2525".repeat(60_000)}`],
  ])("%s", (_what, text) => {
    expect(offsetKeyV4(`http://h:\${offset}/x${text}&token=s3cret`)).not.toContain("s3");
  });
});
