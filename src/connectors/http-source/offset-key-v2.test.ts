import { describe, expect, test } from "bun:test";
import { offsetKeyV2 } from "./offset-key-v2.ts";

// Golden: the version 2 partition `url`, under which positions stored by that version are found and
// migrated (offset-key-migration.ts). A change that fails a row loses them: never a new value.
// `s3` marks each secret.
const GOLDEN: ReadonlyArray<readonly [string, string]> = [
  // As written, normalised by the WHATWG serialization.
  ["https://api.example/events", "https://api.example/events"],
  ["https://api.example/events?since=${offset}", "https://api.example/events?since=${offset}"],
  ["HTTP://API.Example:443/Events", "http://api.example:443/Events"],
  // User info, placeholders too.
  ["https://u:s3cret@api.example/events", "https://***@api.example/events"],
  ["https://apikey@api.example/events", "https://***@api.example/events"],
  ["https://${env:USER}:${env:PASS}@api.example/events", "https://***@api.example/events"],
  ["https://u:p@ss@api.example/events", "https://***@api.example/events"],
  // Secret query parameters; the others as written.
  ["https://api.example/events?api_key=s3cret&page=2", "https://api.example/events?api_key=***&page=2"],
  ["https://api.example/events?token=a&token=b", "https://api.example/events?token=***&token=***"],
  [
    "https://api.example/events?Api%5FKey=s3cret&q=a%20b&x=(1)",
    "https://api.example/events?Api%5FKey=***&q=a%20b&x=(1)",
  ],
  ["https://api.example/events?q=a+b&access_token=s3cret", "https://api.example/events?q=a+b&access_token=***"],
  ["https://api.example/events?token=${env:T}&since=${offset}", "https://api.example/events?token=***&since=${offset}"],
  // Names v1 missed: `code`, `pwd`, `pass`, `pw` whole; `session`, `sessid`, `jwt` anywhere.
  [
    "https://api.example/x?author=bob&country_code=FR&postcode=75001&code=s3cret",
    "https://api.example/x?author=***&country_code=FR&postcode=75001&code=***",
  ],
  [
    "https://api.example/x?pwd=s3cret&jsessionid=j&session=s&jwt=w&apikey=a&client_secret=c",
    "https://api.example/x?pwd=***&jsessionid=***&session=***&jwt=***&apikey=***&client_secret=***",
  ],
  [
    "https://api.example/x?PHPSESSID=s3cret&session_id=x&id_jwt=y&pass=z&pw=q",
    "https://api.example/x?PHPSESSID=***&session_id=***&id_jwt=***&pass=***&pw=***",
  ],
  ["https://api.example/x?compass=n&bypass=1&zipcode=1", "https://api.example/x?compass=n&bypass=1&zipcode=1"],
  // `;` parameters, in the query and the path: a secret hidden to the value's end.
  ["https://api.example/events?page=2;token=s3cret", "https://api.example/events?page=2;token=***"],
  ["https://api.example/events?a=1;sig=s3cret;b=2", "https://api.example/events?a=1;sig=***"],
  ["https://api.example/events;jsessionid=s3cret?x=1", "https://api.example/events;jsessionid=***"],
  ["https://api.example/events;lang=en?x=1", "https://api.example/events;lang=en?x=1"],
  ["https://api.example/events;token=s3cret/more?x=1", "https://api.example/events;token=***"],
  // Fragment parameters.
  [
    "https://api.example/cb?page=2#access_token=s3cret&state=1",
    "https://api.example/cb?page=2#access_token=***&state=1",
  ],
  ["https://api.example/cb#sig=s3cret", "https://api.example/cb#sig=***"],
  ["https://api.example/cb#code=s3cret&state=1", "https://api.example/cb#code=***&state=1"],
  // `@` in the path or query is no user info; a user name holding `?` or `#` is.
  ["https://api.example/x?email=a@b.c&since=${offset}", "https://api.example/x?email=a@b.c&since=${offset}"],
  ["https://api.example/users/@me/events", "https://api.example/users/@me/events"],
  ["https://medium.example/@alice/feed", "https://medium.example/@alice/feed"],
  ["https://u:s3cret@api.example/x?email=a@b.c", "https://***@api.example/x?email=a@b.c"],
  ["http://h/p?e=a@b", "http://h/p?e=a@b"],
  ["http://tok?s3cret@api.example/x", "http://***@api.example/x"],
  ["http://h#a@b", "http://***@b"],
  // A URL in the query: its user info and its parameters (a percent-encoded one is a value).
  ["https://api.example/x?next=http://u:s3cret@h/y", "https://api.example/x?next=http://***@h/y"],
  ["https://api.example/x?next=http://h/y?token=s3cret", "https://api.example/x?next=http://h/y?token=***"],
  [
    "https://api.example/x?next=http://h/y?token=s3cret&page=2",
    "https://api.example/x?next=http://h/y?token=***&page=2",
  ],
  ["https://api.example/x?next=http://h/y?a=1;code=s3cret?b", "https://api.example/x?next=http://h/y?a=1;code=***"],
  ["https://api.example/x?next=http://h/y?token=${env:T}", "https://api.example/x?next=http://h/y?token=${env:T}"],
  [
    "https://api.example/x?next=http%3A%2F%2Fh%2Fy%3Ftoken%3Ds3cret",
    "https://api.example/x?next=http%3A%2F%2Fh%2Fy%3Ftoken%3Ds3cret",
  ],
  ["https://api.example/x?next=http%3A%2F%2Fu%3Ap%40h%2F", "https://api.example/x?next=http%3A%2F%2Fu%3Ap%40h%2F"],
  // IPv6.
  ["http://[::1]:8080/events?token=s3cret", "http://[::1]:8080/events?token=***"],
  ["http://u:s3cret@[2001:db8::1]/events", "http://***@[2001:db8::1]/events"],
  ["http://[::1]/p@x", "http://[::1]/p@x"],
  // Percent-encoding, as the serialization writes it; a secret holding a space.
  ["https://api.example/%7Bx%7D/caf%C3%A9?q=%E2%82%AC", "https://api.example/%7Bx%7D/caf%C3%A9?q=%E2%82%AC"],
  ["https://api.example/café?q=ü&secret=ü", "https://api.example/caf%C3%A9?q=%C3%BC&secret=***"],
  ["https://api.example/a b?q=c d&password=s3 cret", "https://api.example/a%20b?q=c%20d&password=***"],
  ["https://api.example/x?q=%3Btoken%3D1", "https://api.example/x?q=%3Btoken%3D1"],
  // A list's closing `,` or `]` is hidden with the secret; a name holding `;` as the `&` split reads it.
  ["https://api.example/x?list=a,b,&token=s3cret,", "https://api.example/x?list=a,b,&token=***"],
  ["https://api.example/x?ids=[1,2]&key=[s3cret]", "https://api.example/x?ids=[1,2]&key=***"],
  ["https://api.example/x?sig;x=s3cret", "https://api.example/x?sig;x=***"],
  // Not parsed (a placeholder port): the value as written, a space ending nothing.
  ["http://h:${offset}/x?token=s3cret", "http://h:${offset}/x?token=***"],
  ["http://h:${offset}/a b?token=s3 cret&q=1", "http://h:${offset}/a b?token=***&q=1"],
  ["http://h:${offset}/a?token=s3cret x#f", "http://h:${offset}/a?token=***#f"],
  ["http://h:${offset}/a?my token=s3cret&q=1", "http://h:${offset}/a?my token=***&q=1"],
  ["http://h:${offset}/a?code=s3cret&jsessionid=s3cret", "http://h:${offset}/a?code=***&jsessionid=***"],
  ["http://h:${offset}/a?next=http://h/y?token=s3cret", "http://h:${offset}/a?next=http://h/y?token=***"],
  ["http://u:s3cret@h:${offset}/x", "http://***@h:${offset}/x"],
  ["http://u:s3 cret@h:${offset}/x", "http://***@h:${offset}/x"],
  ["http://u:s3/cret@h:${offset}/x?e=a@b", "http://***@h:${offset}/x?e=a@b"],
  // A user info that cuts a parameter, or a placeholder port (no `host:port`, so up to the last `@` is
  // user info): what either reading hides is hidden, parts that overlap as one `***`.
  ["http://h:${offset}/x?email=a@b.c&token=s3cret", "http://***@b.c&token=***"],
  ["http://h:${offset} x;a=1?b@token=s3cret&c=1", "http://***@token=***&c=1"],
  ["http://u:p ;token=s3 cret@h:${offset}/x", "http://***"],
  ["http://h:${offset}/x?a=//u:p;code=s3cret@h", "http://***"],
  // Scheme-less.
  ["api.example/events?token=s3cret", "api.example/events?token=***"],
  ["//u:s3cret@api.example/events", "//***@api.example/events"],
  ["api.example/x?email=a@b.c", "api.example/x?email=a@b.c"],
  // Read as a URL without a host (validation refuses it): all before the last `@` hidden.
  ["alice:s3cret@proxy:3128", "***@proxy:3128"],
  ["urn:example:events", "urn:example:events"],
];

describe("offsetKeyV2", () => {
  test.each(GOLDEN)("%s is keyed %s", (url, key) => expect(offsetKeyV2(url)).toBe(key));
});
