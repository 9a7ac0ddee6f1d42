import { describe, expect, test } from "bun:test";
import { offsetKeyV1 } from "./offset-key-v1.ts";

// Golden: the version 1 partition `url`, under which positions stored by that version are found and
// migrated (offset-key-migration.ts). A change that fails a row loses them: never a new value.
const GOLDEN: ReadonlyArray<readonly [string, string]> = [
  ["https://api.example/events", "https://api.example/events"],
  ["https://api.example/events?since=${offset}", "https://api.example/events?since=${offset}"],
  ["HTTP://API.Example:443/Events", "http://api.example:443/Events"],
  // User info, placeholders too.
  ["https://u:p@api.example/events", "https://***@api.example/events"],
  ["https://apikey@api.example/events", "https://***@api.example/events"],
  ["https://${env:USER}:${env:PASS}@api.example/events", "https://***@api.example/events"],
  ["https://u:p@ss@api.example/events", "https://***@api.example/events"],
  // Secret query parameters; the others as written.
  ["https://api.example/events?api_key=k&page=2", "https://api.example/events?api_key=***&page=2"],
  ["https://api.example/events?token=a&token=b", "https://api.example/events?token=***&token=***"],
  ["https://api.example/events?Api%5FKey=k&q=a%20b&x=(1)", "https://api.example/events?Api%5FKey=***&q=a%20b&x=(1)"],
  ["https://api.example/events?q=a+b&access_token=t", "https://api.example/events?q=a+b&access_token=***"],
  ["https://api.example/events?token=${env:T}&since=${offset}", "https://api.example/events?token=***&since=${offset}"],
  [
    "https://api.example/x?author=bob&country_code=FR&postcode=75001&code=abc",
    "https://api.example/x?author=***&country_code=FR&postcode=75001&code=abc",
  ],
  [
    "https://api.example/x?pwd=p&jsessionid=j&session=s&jwt=w&apikey=a&client_secret=c",
    "https://api.example/x?pwd=p&jsessionid=j&session=s&jwt=w&apikey=***&client_secret=***",
  ],
  // `;` parameters, in the query and the path.
  ["https://api.example/events?page=2;token=t0k", "https://api.example/events?page=2;token=***"],
  ["https://api.example/events?a=1;sig=s;b=2", "https://api.example/events?a=1;sig=***;b=2"],
  ["https://api.example/events;jsessionid=abc?x=1", "https://api.example/events;jsessionid=abc?x=1"],
  ["https://api.example/events;token=abc/more?x=1", "https://api.example/events;token=***"],
  // Fragment parameters.
  [
    "https://api.example/cb?page=2#access_token=s3cret&state=1",
    "https://api.example/cb?page=2#access_token=***&state=1",
  ],
  ["https://api.example/cb#sig=s3cret", "https://api.example/cb#sig=***"],
  // `@` in the path or query is no user info.
  ["https://api.example/x?email=a@b.c&since=${offset}", "https://api.example/x?email=a@b.c&since=${offset}"],
  ["https://api.example/users/@me/events", "https://api.example/users/@me/events"],
  ["https://medium.example/@alice/feed", "https://medium.example/@alice/feed"],
  ["https://u:p@api.example/x?email=a@b.c", "https://***@api.example/x?email=a@b.c"],
  ["http://h/p?e=a@b", "http://h/p?e=a@b"],
  ["http://tok?en@api.example/x", "http://tok/?en@api.example/x"],
  // A URL in the query: its user info, not its parameters (the log masking hides more now).
  ["https://api.example/x?next=http://u:p@h/y", "https://api.example/x?next=http://***@h/y"],
  ["https://api.example/x?next=http://h/y?token=s3cret", "https://api.example/x?next=http://h/y?token=s3cret"],
  ["https://api.example/x?next=http%3A%2F%2Fu%3Ap%40h%2F", "https://api.example/x?next=http%3A%2F%2Fu%3Ap%40h%2F"],
  // IPv6.
  ["http://[::1]:8080/events?token=t", "http://[::1]:8080/events?token=***"],
  ["http://u:p@[2001:db8::1]/events", "http://***@[2001:db8::1]/events"],
  ["http://[::1]/p@x", "http://[::1]/p@x"],
  // Percent-encoding: as the WHATWG serialization writes it.
  ["https://api.example/%7Bx%7D/caf%C3%A9?q=%E2%82%AC", "https://api.example/%7Bx%7D/caf%C3%A9?q=%E2%82%AC"],
  ["https://api.example/café?q=ü&secret=ü", "https://api.example/caf%C3%A9?q=%C3%BC&secret=***"],
  ["https://api.example/a b?q=c d&password=e f", "https://api.example/a%20b?q=c%20d&password=***"],
  ["https://api.example/x?q=%3Btoken%3D1", "https://api.example/x?q=%3Btoken%3D1"],
  // A list's closing `,` or `]` at the end.
  ["https://api.example/x?list=a,b,&token=t,", "https://api.example/x?list=a,b,&token=***"],
  ["https://api.example/x?ids=[1,2]&key=[k]", "https://api.example/x?ids=[1,2]&key=***"],
  // Not parsed (a placeholder port), and scheme-less: the text as written.
  ["http://h:${offset}/x?token=abc", "http://h:${offset}/x?token=***"],
  ["http://h:${offset}/a b?token=x y&q=1", "http://h:${offset}/a b?token=*** y&q=1"],
  ["http://u:p@h:${offset}/x", "http://***@h:${offset}/x"],
  ["api.example/events?token=abc", "api.example/events?token=***"],
  ["//u:p@api.example/events", "//***@api.example/events"],
  ["api.example/x?email=a@b.c", "api.example/x?email=a@b.c"],
  // Read as a URL without a host (validation refuses it): all before the last `@` hidden.
  ["alice:s3cret@proxy:3128", "***@proxy:3128"],
  ["urn:example:events", "urn:example:events"],
];

describe("offsetKeyV1", () => {
  test.each(GOLDEN)("%s is keyed %s", (url, key) => expect(offsetKeyV1(url)).toBe(key));
});
