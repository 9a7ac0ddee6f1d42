import { describe, expect, test } from "bun:test";
import { hideUrlCredentials, hideUrlValueCredentials, hideValueCredentials } from "./url-credentials.ts";

describe("hideUrlCredentials", () => {
  test.each([
    ["ftp://user:s3cret@host/x", "ftp://***@host/x"],
    ["http://apikey@host/x", "http://***@host/x"],
    ["http://u:p/w@rd@host/x", "http://***@host/x"],
    ["http//u:s3cret@host", "http//***@host"],
    ["ftp://host/x?a=1&token=s3cret&b=2", "ftp://host/x?a=1&token=***&b=2"],
    ["ftp://host/x?api_key=s3cret#f", "ftp://host/x?api_key=***#f"],
    ["https://host/cb#access_token=s3cret&state=1", "https://host/cb#access_token=***&state=1"],
    ["https://host/cb?a=1#token=s3cret", "https://host/cb?a=1#token=***"],
    ["[ftp://host/?sig=s3cret, http://u:pw@h]", "[ftp://host/?sig=***, http://***@h]"],
    ["ftp://host/?page=2&Access%5FToken=s3cret", "ftp://host/?page=2&Access%5FToken=***"],
    ["http://${key}:pw@h/?token=a${key}", "http://***@h/?token=***"],
  ])("%s is shown as %s", (text, shown) => {
    expect(hideUrlCredentials(text)).toBe(shown);
  });

  test.each([
    "abc",
    "42",
    "https://api.example.com/events?page=2",
    "$.data[*]",
    "a=b",
    "HTTP://Host:80/x",
    "http://${key}@h/in",
    "http://h/?token=${env:T}",
    "http://${secrets:api/token}@h/in",
  ])("%s is unchanged", (text) => expect(hideUrlCredentials(text)).toBe(text));

  describe("where the user info ends", () => {
    test.each([
      // An `@` in the authority: its last one, whatever `@` the query holds.
      ["https://u:p@h/p?email=a@b", "https://***@h/p?email=a@b"],
      ["http://u:p@ss@host/x", "http://***@host/x"],
      // A password holding `/`: up to the last `@` before the query, not the query's `@`.
      ["https://u:p/x@host/path?e=a@b", "https://***@host/path?e=a@b"],
      ["https://u:p/x@host/path#e=a@b", "https://***@host/path#e=a@b"],
      // A password holding `?` or `#` (no `@` before them): up to the last `@` before a space.
      ["http://u:p?x@host/y z@w", "http://***@host/y z@w"],
      ["http://u:p#x@host", "http://***@host"],
      // A URL in another's query is looked at too.
      ["http://a/?next=http://u:p@h/x", "http://a/?next=http://***@h/x"],
      ["http://u:p@h/x,http://v:q@h2/y", "http://***@h/x,http://***@h2/y"],
    ])("%s is shown as %s", (text, shown) => expect(hideUrlCredentials(text)).toBe(shown));

    test.each([
      "https://api.example/x?email=a@b.c",
      "https://api.example/x#from=a@b.c",
      "http://h/p@x",
      "https://medium.example/@alice/post",
      "http://localhost:8080/users/@me",
      "http://h:/p@x",
      "http://[::1]:8080/p@x",
      "http://[::1]/p@x",
      "http://${env:API_HOST}/users/@me",
      "http://${env:API_HOST}:8080/users/@me",
      "Invalid value https://h/x?email=a@b.c for configuration http.url: bad",
    ])("%s (an `@` after the authority, no user info) is unchanged", (text) =>
      expect(hideUrlCredentials(text)).toBe(text),
    );
  });

  describe("a parameter after `;`", () => {
    test.each([
      ["https://h/p?a=1;token=s3cret", "https://h/p?a=1;token=***"],
      ["https://h/p;lang=1?a=1;api_key=s3cret", "https://h/p;lang=1?a=1;api_key=***"],
      ["https://h/p;sig=s3cret", "https://h/p;sig=***"],
      // A secret's value may hold `;`: what follows it in the value is hidden too, to `&`.
      ["https://h/p?a=1;token=s3cret;b=2&c=3", "https://h/p?a=1;token=***&c=3"],
      ["https://h/p?token=s3;cr3t&page=2", "https://h/p?token=***&page=2"],
      ["https://h/p?a;token=s3cret", "https://h/p?a;token=***"],
      // A path's secret parameter runs to `&`: the query after it is hidden with it.
      ["https://h/p;jsessionid=1?a=1&b=2", "https://h/p;jsessionid=***&b=2"],
      // A placeholder alone is no secret: the parameters after it are looked at.
      ["https://h/p?a=1;token=${env:T};b=2", "https://h/p?a=1;token=${env:T};b=2"],
      ["https://h/p?a=1;token=${env:T};sig=s3cret", "https://h/p?a=1;token=${env:T};sig=***"],
    ])("%s is shown as %s", (text, shown) => expect(hideUrlCredentials(text)).toBe(shown));
  });

  describe("a URL written unencoded in another's query", () => {
    test.each([
      ["http://a/?next=http://h/x?token=s3cret", "http://a/?next=http://h/x?token=***"],
      ["http://a/?next=https://u:p@h/", "http://a/?next=https://***@h/"],
      ["http://a?next=https://u:p@h/x?sig=s3cret", "http://a?next=https://***@h/x?sig=***"],
      ["http://u:p@a/?e=x@y&next=https://v:q@h/", "http://***@a/?e=x@y&next=https://***@h/"],
      ["http://a/?next=http://h/x?a=1&token=s3cret", "http://a/?next=http://h/x?a=1&token=***"],
      ["http://a/?next=http://h/x#access_token=s3cret", "http://a/?next=http://h/x#access_token=***"],
      [
        "see http://a/?next=http://h/?token=s3cret and http://b/",
        "see http://a/?next=http://h/?token=*** and http://b/",
      ],
      // A secret's value holding `?` is hidden whole: no part of it is shown.
      ["http://a/?next=http://h/x?token=ab?cd=e", "http://a/?next=http://h/x?token=***"],
      ["http://a/?token=ab?cd=e&page=2", "http://a/?token=***&page=2"],
      ["http://a/?next=http://h/x?token=ab;cd&page=2", "http://a/?next=http://h/x?token=***&page=2"],
    ])("%s is shown as %s", (text, shown) => expect(hideUrlCredentials(text)).toBe(shown));

    test.each(["http://a/?next=http://h/x?page=2", "http://a/?q=what?&next=http://h/x?since=${offset}"])(
      "%s (no secret in the nested URL) is unchanged",
      (text) => expect(hideUrlCredentials(text)).toBe(text),
    );
  });

  describe("parameter names", () => {
    test.each([
      "jsessionid",
      "JSESSIONID",
      "phpsessid",
      "session",
      "session_id",
      "jwt",
      "id_jwt",
      "apikey",
      "api-key",
      "client_secret",
      "code",
      "Code",
      "pwd",
      "pass",
      "pw",
      "access_token",
      "X-Amz-Signature",
      // Review mask3: PKCE's code verifier was shown.
      "code_verifier",
    ])("%s holds a secret", (name) => {
      expect(hideUrlCredentials(`https://h/cb?page=2&${name}=s3cret`)).toBe(`https://h/cb?page=2&${name}=***`);
      expect(hideUrlCredentials(`https://h/cb#${name}=s3cret`)).toBe(`https://h/cb#${name}=***`);
    });

    // Short words are matched as the whole name: `code` is OAuth's authorization code, a
    // `country_code` or `postcode` is no secret.
    test.each([
      "country_code",
      "postcode",
      "zipcode",
      "codes",
      "compass",
      "bypass",
      "pwd_hint",
      "page",
      "q",
      // Review mask3: English words holding `auth`, `sig` or `key` (secret-query-name.ts).
      "author",
      "signal",
      "keyword",
    ])("%s holds none", (name) => expect(hideUrlCredentials(`https://h/x?${name}=FR`)).toBe(`https://h/x?${name}=FR`));
  });

  describe("a user name alone holding `?` or `#`", () => {
    test.each([
      ["http://tok?en@host/x", "http://***@host/x"],
      ["http://tok#en@host", "http://***@host"],
      ["http://localhost:8080?tok@host/x", "http://***@host/x"],
      ["GET http://tok?en@[::1]:80/x failed", "GET http://***@[::1]:80/x failed"],
    ])("%s is shown as %s", (text, shown) => expect(hideUrlCredentials(text)).toBe(shown));

    // An `@` in a query or fragment holding parameters or after a path is no user info.
    test.each([
      "http://h/p?e=a@b",
      "http://h?e=a@b.c",
      "http://h?a=1&e=a@b",
      "http://h#/users/@me",
      "http://h?x@",
      "http://h?x@ y",
    ])("%s is unchanged", (text) => expect(hideUrlCredentials(text)).toBe(text));
  });

  // Review mask3: the credentials of a URL written percent-encoded in a parameter showed.
  describe("a URL percent-encoded in a parameter's value", () => {
    test.each([
      ["https://a/x?next=https%3A%2F%2Fu%3As3cret%40h%2Fx", "https://a/x?next=https%3A%2F%2F***%40h%2Fx"],
      [
        "https://a/x?redirect=https%3A%2F%2Fh%2Fcb%3Ftoken%3Ds3cret&page=2",
        "https://a/x?redirect=https%3A%2F%2Fh%2Fcb%3Ftoken%3D***&page=2",
      ],
      ["https://a/x#state=https%3a%2f%2fh%2f%3fcode%3ds3cret", "https://a/x#state=https%3a%2f%2fh%2f%3fcode%3d***"],
      ["GET https://a/x?next=https%3A%2F%2Fu%3As3cret%40h failed", "GET https://a/x?next=https%3A%2F%2F***%40h failed"],
      // Encoded twice, or a URL in the encoded URL's own parameter (encoded once more).
      ["https://a/x?next=https%253A%252F%252Fu%253As3cret%2540h", "https://a/x?next=https%253A%252F%252F***%2540h"],
      [
        "https://a/x?next=https%3A%2F%2Fh%2F%3Fnext%3Dhttps%253A%252F%252Fh%252F%253Ftoken%253Ds3cret",
        "https://a/x?next=https%3A%2F%2Fh%2F%3Fnext%3Dhttps%253A%252F%252Fh%252F%253Ftoken%253D***",
      ],
      [
        "https://a/x?next=https%3A%2F%2Fh%2F%3Fa%3D1%26api_key%3Ds3cret%26b%3D2",
        "https://a/x?next=https%3A%2F%2Fh%2F%3Fa%3D1%26api_key%3D***%26b%3D2",
      ],
      // Review mask3 (2): encoded parameters without a `?` before them, the secret first or last.
      ["https://a/x?body=client_secret%3Ds3cret%26a%3D1", "https://a/x?body=client_secret%3D***%26a%3D1"],
      ["https://a/x?body=a%3D1%26client_secret%3Ds3cret", "https://a/x?body=a%3D1%26client_secret%3D***"],
      ["https://a/x?body=token%253Ds3cret%2526a%253D1", "https://a/x?body=token%253D***%2526a%253D1"],
    ])("%s is shown as %s", (text, shown) => {
      expect(hideUrlCredentials(text)).toBe(shown);
      expect(hideUrlValueCredentials(text)).toBe(shown);
    });

    test.each([
      "https://a/x?next=https%3A%2F%2Fh%2Fy%3Fpage%3D2",
      "https://a/x?q=caf%C3%A9&next=%2A%2A%2A",
      "https://a/x?email=a%40b.c",
      "https://a/x?next=https%3A%2F%2Fh%2F%3Ftoken%3D%24%7Benv%3AT%7D",
    ])("%s (no credential in the decoding) is unchanged", (text) => expect(hideUrlCredentials(text)).toBe(text));
  });

  // Review mask3: a placeholder port made all up to the value's last `@` a user info, so
  // `http://h:${offset}/x?email=a@b.c` showed as `http://***@b.c`.
  describe("a `${…}` placeholder in the authority", () => {
    test.each([
      ["http://h:${offset}/x?email=a@b.c&token=s3cret", "http://h:${offset}/x?email=a@b.c&token=***"],
      ["http://u:s3cret@h:${secrets:api/port}/x?e=a@b", "http://***@h:${secrets:api/port}/x?e=a@b"],
      ["http://u:s3cret@h:${offset}/x@y", "http://***@h:${offset}/x@y"],
    ])("%s is shown as %s", (text, shown) => {
      expect(hideUrlCredentials(text)).toBe(shown);
      expect(hideUrlValueCredentials(text)).toBe(shown);
      expect(hideValueCredentials(`Invalid value ${text} for configuration http.url: bad`, text)).toBe(
        `Invalid value ${shown} for configuration http.url: bad`,
      );
    });

    test.each([
      "http://h:${offset}/x?email=a@b.c",
      "http://h:${offset}/x@y",
      "http://${env:HOST}:${env:PORT}/users/@me",
      "http://h:${secrets:api/port}/x?e=a@b",
    ])("%s (a host and port, no user info) is unchanged", (text) => {
      expect(hideUrlCredentials(text)).toBe(text);
      expect(hideUrlValueCredentials(text)).toBe(text);
      expect(hideValueCredentials(text, text)).toBe(text);
    });
  });

  // Review mask3 (2): a `${` closing after the user info's `@` (at a later `${offset}`) was read as a
  // placeholder running past it, and the user info showed.
  describe("a user info holding a `${` that closes after its `@`", () => {
    test.each([
      "http://svc:${s3cret@api.example:${offset}/events?since=${offset}",
      "http://svc:12${s3@api.example:${offset}/events?since=${offset}",
      "http://a${b:s3cret@api.example:${offset}/events?since=${offset}",
    ])("%s is hidden", (text) => {
      const shown = "http://***@api.example:${offset}/events?since=${offset}";
      expect(hideUrlCredentials(`GET ${text} failed`)).toBe(`GET ${shown} failed`);
      expect(hideUrlValueCredentials(text)).toBe(shown);
      expect(hideValueCredentials(`Invalid value ${text} for configuration http.url: bad`, text)).toBe(
        `Invalid value ${shown} for configuration http.url: bad`,
      );
    });

    test("without a placeholder port", () => {
      const text = "ftp://svc:${s3cret@api.example/events?since=${offset}";
      expect(hideValueCredentials(`Invalid value ${text} for configuration http.url`, text)).toBe(
        "Invalid value ftp://***@api.example/events?since=${offset} for configuration http.url",
      );
    });
  });

  // Task mask4 (1, 2): shown on main. A parameter's value is one token: the scheme-less rule
  // (schemeless-credentials.ts) reads it, and each percent-decoding of it up to MAX_ENCODED_DEPTH.
  describe("a scheme-less user:password@host in a parameter's value", () => {
    test.each([
      ["https://h/p?proxy=alice:s3cret@proxy:3128&a=1", "https://h/p?proxy=***@proxy:3128&a=1"],
      ["https://h/p?a=1#proxy=alice:s3cret@proxy:3128", "https://h/p?a=1#proxy=***@proxy:3128"],
      ["https://h/p?a=1;proxy=alice:s3cret@proxy", "https://h/p?a=1;proxy=***@proxy"],
      ["https://h/p?hosts=k1:9092,alice:s3cret@k2:9092", "https://h/p?hosts=k1:9092,***@k2:9092"],
      // Review mask4r2 (P2-1): also with a percent-escape in the value, or `,%20`.
      ["https://h/p?hosts=k1:9092,alice:s3cret@k2,k3%2Dx:9092", "https://h/p?hosts=k1:9092,***@k2,k3%2Dx:9092"],
      ["https://h/p?hosts=k1:9092,%20alice:s3cret@k2", "https://h/p?hosts=k1:9092,%20***@k2"],
      ["GET https://h/p?proxy=alice:s3cret@proxy failed", "GET https://h/p?proxy=***@proxy failed"],
      // Percent-encoded: hidden where the value writes it, encoded twice too, or partly.
      ["https://h/p?url=svc%3As3cret%40proxy%3A3128", "https://h/p?url=***%40proxy%3A3128"],
      ["https://h/p?url=svc%3As3cret%40proxy%3A3128&a=1", "https://h/p?url=***%40proxy%3A3128&a=1"],
      ["https://h/p?url=svc%253As3cret%2540proxy%253A3128", "https://h/p?url=***%2540proxy%253A3128"],
      ["https://h/p?url=svc:s3cret%40proxy%3A3128", "https://h/p?url=***%40proxy%3A3128"],
      ["https://h/p?url=svc%3As3%20cret%40proxy", "https://h/p?url=***%40proxy"],
      ["https://h/p?body=a%3D1%26proxy%3Dalice%253As3cret%2540h", "https://h/p?body=a%3D1%26proxy%3D***%2540h"],
      // Review mask4 (P2-1, P3-3): each element of a list (`,` or `;`), a quoted one.
      ["https://h/p?proxies=alice:s3cret@p1:3128;bob:s3cret@p2:3128", "https://h/p?proxies=***@p1:3128;***@p2:3128"],
      [
        "https://h/p?proxies=alice%3As3cret%40p1%3A3128%3Bbob%3As3cret%40p2%3A3128",
        "https://h/p?proxies=***%40p1%3A3128%3B***%40p2%3A3128",
      ],
      ["https://h/p?proxies=corp/alice:s3cret@p1,corp/bob:s3cret@p2", "https://h/p?proxies=corp/***@p1,corp/***@p2"],
      // Review mask4 (P2-2): a domain before the user name in a `;` parameter, after a path
      // parameter, in a fragment's, in a URL inside a value, percent-encoded.
      ["https://h/p?a=1;proxy=corp/alice:s3cret@proxy:3128", "https://h/p?a=1;proxy=corp/***@proxy:3128"],
      ["https://h/p;m=1?proxy=corp/alice:s3cret@proxy:3128", "https://h/p;m=1?proxy=corp/***@proxy:3128"],
      ["https://h/p#a=1;proxy=corp/alice:s3cret@proxy", "https://h/p#a=1;proxy=corp/***@proxy"],
      ["https://h/p?next=http://h/x?proxy=corp/alice:s3cret@proxy", "https://h/p?next=http://h/x?proxy=corp/***@proxy"],
      [
        "https://h/p?url=a%3D1%3Bproxy%3Dcorp%2Falice%3As3cret%40proxy",
        "https://h/p?url=a%3D1%3Bproxy%3Dcorp%2F***%40proxy",
      ],
      // Review mask4 (P2-3): a `?` after the host, a DSN's options, plain or percent-encoded.
      ["https://h/p?db=alice:s3cret@db:5432?sslmode=require", "https://h/p?db=***@db:5432?sslmode=require"],
      ["https://h/p?db=alice:s3cret@db?x&a=1", "https://h/p?db=***@db?x&a=1"],
      [
        "https://h/p?url=alice%3As3cret%40db%3A5432%3Fsslmode%3Drequire",
        "https://h/p?url=***%40db%3A5432%3Fsslmode%3Drequire",
      ],
      ["https://h/p?x=a:b@c?y", "https://h/p?x=***@c?y"],
      // A user info starts after that `?` too, and a user name may hold `;`: nothing the masking hid
      // before shows.
      ["https://h/p?x=u:s3cret@h?alice:s3cret@proxy", "https://h/p?x=***@h?***@proxy"],
      ["https://h/p?url=a:b@c?alice%3As3cret%40proxy%3A3128", "https://h/p?url=***@c?***%40proxy%3A3128"],
      ["https://h/p?filter=x1;u:s3cret@h;x", "https://h/p?filter=***@h;x"],
      // Review mask4 (P3-3): an email as the user name, plain or percent-encoded.
      ["https://h/p?proxy=alice@corp:s3cret@proxy:3128", "https://h/p?proxy=***@proxy:3128"],
      ["https://h/p?proxy=alice%40corp%3As3cret%40proxy%3A3128", "https://h/p?proxy=***%40proxy%3A3128"],
      ["https://h/p?proxies=alice@corp:s3cret@p1,bob@corp:s3cret@p2", "https://h/p?proxies=***@p1,***@p2"],
      [
        "https://h/p?proxy=u:s3cret%3D%3D@proxy;alice%3As3cret%40proxy%3A3128",
        "https://h/p?proxy=***@proxy;***%40proxy%3A3128",
      ],
    ])("%s is shown as %s", (text, shown) => {
      expect(hideUrlCredentials(text)).toBe(shown);
      expect(hideUrlValueCredentials(text)).toBe(shown);
      expect(hideValueCredentials(`Invalid value ${text} for configuration http.url`, text)).toBe(
        `Invalid value ${shown} for configuration http.url`,
      );
    });

    // A message quoting the value reads it whole too, and hides more of it.
    test.each([
      [
        "https://h/p?proxies=alice:s3cret@p1:3128,%20bob:s3cret@p2:3128",
        "https://h/p?proxies=***@p1:3128,%20***@p2:3128",
      ],
      ["https://h/p?filter=%22u:s3cret@h%22&a=(u:s3cret@h)", "https://h/p?filter=%22***@h%22&a=(***@h)"],
    ])("%s is shown as %s (review mask4: after a list's `, `, quoted, bracketed)", (text, shown) => {
      expect(hideUrlCredentials(text)).toBe(shown);
      expect(hideUrlValueCredentials(text)).toBe(shown);
      expect(hideValueCredentials(`Invalid value ${text}`, text)).not.toContain("s3cret");
    });

    test("in one value, a password holding a raw space", () => {
      expect(hideUrlValueCredentials("http://h:${offset}/x?proxy=alice:s3 cret@proxy:3128&a=1")).toBe(
        "http://h:${offset}/x?proxy=***@proxy:3128&a=1",
      );
    });

    test.each([
      "https://h/p?email=a@b.c&at=12:30&x=a:b",
      "https://h/p?proxy=${env:U}:${env:P}@proxy:3128",
      "https://h/p?to=mailto:a@b.c&url=mailto%3Aa%40b.c",
      "https://h/p?email=a%40b.c&at=12%3A30",
      // Review mask4 (P3-1): a list's placeholder-only user info holds no secret.
      "https://h/p?hosts=k1:9092,${env:U}:${env:P}@k2",
      // A list of `user@host:port`s holds no password.
      "https://h/p?proxies=alice@p1:3128,bob@p2:3128",
      "https://h/p?proxies=alice@p1:3128;bob@p2:3128",
    ])("%s (no user:password@host) is unchanged", (text) => {
      expect(hideUrlCredentials(text)).toBe(text);
      expect(hideUrlValueCredentials(text)).toBe(text);
    });
  });

  // Review mask4 (P2-3): a `?` ends a host in a parameter's value or one config value (a DSN's
  // options), not in a sentence, where it ends a question.
  test("a `?` after a host: a DSN's options in a value, a question in a sentence", () => {
    const dsn = "alice:s3cret@db:5432?sslmode=require";
    expect(hideValueCredentials(`Invalid value ${dsn} for configuration k`, dsn)).toBe(
      "Invalid value ***@db:5432?sslmode=require for configuration k",
    );
    for (const sentence of ["ask a:b@c? then", "Invalid value x for configuration k: ask a:b@c? then"]) {
      expect(hideUrlCredentials(sentence)).toBe(sentence);
      expect(hideValueCredentials(sentence)).toBe(sentence);
    }
  });

  test("a scheme-less user info is left to hideValueCredentials", () => {
    expect(hideUrlCredentials("alice:s3cret@proxy:3128")).toBe("alice:s3cret@proxy:3128");
  });
});

describe("hideValueCredentials", () => {
  test.each([
    ["alice:s3cret@proxy:3128", "***@proxy:3128"],
    ["alice:s3@cret@proxy", "***@proxy"],
    ["u:p#x@h:1", "***@h:1"],
    ["u:p/x@h", "***@h"],
    ["[alice:s3cret@k1:9092, k2:9092]", "[***@k1:9092, k2:9092]"],
    ["{proxy=alice:s3cret@p:1, url=http://u:p@h}", "{proxy=***@p:1, url=http://***@h}"],
    [
      "Invalid value alice:s3cret@proxy:3128 for configuration proxy: Unknown host alice:s3cret@proxy:3128",
      "Invalid value ***@proxy:3128 for configuration proxy: Unknown host ***@proxy:3128",
    ],
    ["jdbc:mysql://u:p@h:3306/db", "jdbc:mysql://***@h:3306/db"],
    ["k1:9092,k2:9092,alice:s3cret@k3:9092", "k1:9092,k2:9092,***@k3:9092"],
    ["alice:s3,cret@k1:9092", "***@k1:9092"],
    // A password holding `,` and `:` is no list: hidden whole.
    ["svc:Ab,9x:Q@proxy:3128", "***@proxy:3128"],
    ["k1,[::1]:9092,alice:s3cret@k3:9092", "k1,[::1]:9092,***@k3:9092"],
    ["k1:9092,mailto:a@b.c", "k1:9092,mailto:a@b.c"],
    ["ftp://host/?token=s3cret", "ftp://host/?token=***"],
    // Review mask3 (2): an unclosed `${` (no `}` before the `@`) is text, not a placeholder's start.
    ["${alice:s3cret@proxy:3128", "${***@proxy:3128"],
    ["a=${alice:s3cret@proxy:3128", "a=${***@proxy:3128"],
    ["${alice:s3cret@proxy:3128 }", "${***@proxy:3128 }"],
    ["h:${secrets:api/port}", "h:${secrets:api/port}"],
    // Review mask3c (P1-1): a user name starting with a placeholder after a `)`, `]`, `@` or `}`.
    ["svc@${env:REALM}:s3cret@proxy:3128", "***@proxy:3128"],
    ["(x)${env:U}:s3cret@proxy:3128", "(x)***@proxy:3128"],
    ["[a]${env:U}:s3cret@proxy:3128", "[a]***@proxy:3128"],
    ["x${secrets:api/port}/y@h", "x${secrets:api/port}/y@h"],
    // Review mask3d (P2-1): after a single `/` too (only `//`, an authority's start, is no user name's).
    ["corp/${env:USER}:s3cret@proxy:3128", "corp/***@proxy:3128"],
    // Task mask4 (3): a domain before a user name, at a value's start (shown on main).
    ["corp/alice:s3cret@proxy:3128", "corp/***@proxy:3128"],
    ["https://h/x?proxy=corp/alice:s3cret@proxy:3128&a=1", "https://h/x?proxy=corp/***@proxy:3128&a=1"],
    ["https://h/x?url=corp%2Falice%3As3cret%40proxy", "https://h/x?url=corp%2F***%40proxy"],
    ["proxy=corp/${env:U}:s3cret@proxy:3128", "proxy=corp/***@proxy:3128"],
    ["/${env:U}:s3cret@proxy:3128", "/***@proxy:3128"],
    // A placeholder host or port after the `@` (review mask3d: shown on main too).
    ["svc:s3cret@${env:PROXY_HOST}:3128", "***@${env:PROXY_HOST}:3128"],
    ["svc:s3cret@${env:H}:${env:P}", "***@${env:H}:${env:P}"],
    ["k1:9092,${env:U}:s3cret@${env:H}", "k1:9092,***@${env:H}"],
    ["mailto:a@${b}", "mailto:a@${b}"],
    // A parameter's value in a URL: the host ends at `&` or `#` too (review mask3d: shown on main too).
    ["https://h/x?proxy=svc:s3cret==@proxy:3128&a=1", "https://h/x?proxy=***@proxy:3128&a=1"],
    ["https://h/x?a=1&b=x:y@z#f", "https://h/x?a=1&b=***@z#f"],
    // Review mask3c (P1-2): a scheme-less credential in a parameter's value, an encoded `=` in it
    // (the URL pass reads its decoding as a parameter `svc-token:s3cretZm9v` and hides the rest).
    ["https://api.example/x?proxy=svc-token:s3cretZm9v%3D%3D@proxy.example:3128", "https://api.example/x?proxy=***"],
    ["?upstream=oauth:s3cretValue%3D%3D@proxy:3128", "?upstream=***"],
    ["name=x;proxy=apikey:Zm9vYmFy%3D@proxy:3128", "name=x;proxy=***"],
  ])("%s is shown as %s", (text, shown) => {
    expect(hideValueCredentials(text)).toBe(shown);
    expect(hideValueCredentials(`Invalid value ${text} for configuration x`, text)).toBe(
      `Invalid value ${shown} for configuration x`,
    );
  });

  // Review mask3: a password holding a space showed in a message quoting the value.
  describe("in the value a message quotes, a password holding a space", () => {
    test.each([
      ["alice:s3 cret@proxy", "***@proxy"],
      ["alice:s3 cret@proxy:3128", "***@proxy:3128"],
      ["k1:9092, alice:s3 cret@k2:9092", "k1:9092, ***@k2:9092"],
      ["k1:9092,alice:s3 cret@k2:9092", "k1:9092,***@k2:9092"],
      ['{"proxy": "alice:s3 cret@p:1"}', '{"proxy": "***@p:1"}'],
      ["[a, alice:s3 cret@h]", "[a, ***@h]"],
    ])("%s is shown as %s", (value, shown) => {
      expect(hideValueCredentials(`Invalid value ${value} for configuration proxy: Unknown host ${value}`, value)).toBe(
        `Invalid value ${shown} for configuration proxy: Unknown host ${shown}`,
      );
    });

    // Quotes end a password in one value: a JSON document's strings are its tokens.
    test.each(['{"a": "x:y", "mail": "bob@example.com"}', "see a:b then c@d.e", "${env:USER}:${env:PASS}@proxy"])(
      "%s is unchanged",
      (value) => expect(hideValueCredentials(value, value)).toBe(value),
    );
  });

  test.each([
    "a@b.c",
    "alice@proxy:3128",
    "alice@p1:3128,bob@p2:3128",
    "mail bob@corp: see c@d",
    "mailto:a@b.c",
    "k1:9092,k2:9092",
    "${env:USER}:${env:PASSWORD}@proxy:3128",
    "https://h/x?email=a@b.c",
    "Invalid value x for configuration k: a@b.c",
    "a:b#c",
    // Task mask4 (3): a path is no domain: a user name starts after one `/` at a value's start only.
    "see /api/v1/a:b@c",
    "/api/v1/a:b@c",
    "api/v1/a:b@c",
    "corp/mailto:a@b.c",
    "https://h/api/v1/a:b@c",
    "https://h/x?path=/api/v1/a:b@c&b=api/v1/a:b@c",
    "Invalid value x for configuration k: see v1/a:b@c",
  ])("%s is unchanged", (text) => {
    expect(hideValueCredentials(text)).toBe(text);
    expect(hideValueCredentials(text, text)).toBe(text);
  });
});

describe("one config value holding a raw space (an http.url with a placeholder port does not parse)", () => {
  test.each([
    ["http://u:s3 cret@h:${offset}/x", "http://***@h:${offset}/x"],
    ["http://h:${offset}/a b?token=s3 cret&q=1", "http://h:${offset}/a b?token=***&q=1"],
    ["http://h:${offset}/x?my token=s3cret&q=1", "http://h:${offset}/x?my token=***&q=1"],
    ["http://h:${offset}/x?a=1;token=s3 cret", "http://h:${offset}/x?a=1;token=***"],
    ["http://h:${offset}/x?token=[a, b]", "http://h:${offset}/x?token=***"],
    ["http://h:80/?next=http://v:p q@g/", "http://h:80/?next=http://***@g/"],
    // What the free-text rules hide is hidden too.
    ["http://u:p@h:${offset}/x?token=s3cret", "http://***@h:${offset}/x?token=***"],
    // Review rv25f: a list's next URL starts a URL of its own; the `@` in it is not the first one's.
    ["http://h:8080, http://u:p q@g:80", "http://h:8080, http://***@g:80"],
    ["http://a:1 http://b:2/x?email=a@b.c", "http://a:1 http://b:2/x?email=a@b.c"],
  ])("%s is shown as %s", (value, shown) => {
    expect(hideUrlValueCredentials(value)).toBe(shown);
    expect(hideValueCredentials(value, value)).toBe(shown);
  });

  // Review rv25f: a JSONPath filter comparing a secret-looking member (`?(@.key == 'a')`) lost its
  // literal and brackets to `=***` once a name could hold a space.
  test.each([
    "http://h:${offset}/a b?page=2&q=x y",
    "http://h:${offset}/x?token=${env:T}&q=a b",
    "a b=c d",
    "$.data[?(@.secret_key == 'x')]",
    "$..book[?(@.price < 10 && @.key == 'a')].title",
  ])("%s is unchanged", (value) => expect(hideUrlValueCredentials(value)).toBe(value));

  test("free text still ends a URL at a space", () => {
    expect(hideUrlCredentials("GET http://h/x?token=s3cret and more")).toBe("GET http://h/x?token=*** and more");
    expect(hideUrlCredentials("see http://h/?q=1 my token=x")).toBe("see http://h/?q=1 my token=x");
  });

  test.each([
    [
      "Invalid value http://u:s3 cret@h:${offset}/x for configuration http.url: cannot read http://u:s3 cret@h:${offset}/x",
      "http://u:s3 cret@h:${offset}/x",
      "Invalid value http://***@h:${offset}/x for configuration http.url: cannot read http://***@h:${offset}/x",
    ],
    [
      "Invalid value http://h:${offset}/?token=s3 cret for configuration http.url: bad",
      "http://h:${offset}/?token=s3 cret",
      "Invalid value http://h:${offset}/?token=*** for configuration http.url: bad",
    ],
    [
      "Invalid value http://h:${offset}/?my token=s3cret for configuration http.url: see http://g/?sig=x y",
      "http://h:${offset}/?my token=s3cret",
      "Invalid value http://h:${offset}/?my token=*** for configuration http.url: see http://g/?sig=*** y",
    ],
  ])("a message quoting the value: %s", (text, value, shown) => {
    expect(hideValueCredentials(text, value)).toBe(shown);
  });
});

// A config value quoted in a message may be long (a JSON document, a list): each token start or `;`
// of it is looked at once. Scanned again from each of its hundreds of thousands of starts, such a
// text took minutes of a REST request's time, or the regular expression gave up at its backtracking
// limit and the password after it was shown.
describe("a long text with many token starts", () => {
  const SECRETS = " alice:s3cret@proxy:3128 https://h/?token=s3cret";
  const HIDDEN = " ***@proxy:3128 https://h/?token=***";
  test.each([
    ["list elements with an `@` no host follows", ",a:b@".repeat(200_000)],
    ["bracketed ones", "[a:b@".repeat(200_000)],
    ["`${` placeholders never closed", "${,".repeat(300_000)],
    ["`;`-separated names without a value", `=${";a".repeat(400_000)}`],
    ["a value's `]`s that close no list", `?a=${"]".repeat(600_000)}x`],
    ["`?`-separated names without a value in a value", `?a=${"?a".repeat(400_000)}`],
    ["user names holding `?` with no `@`", "//a?b".repeat(200_000)],
    ["user names holding `?` before a last `@`", `${"//a?b".repeat(200_000)}@`],
    ["placeholders never closed in authorities", "//${".repeat(300_000)],
    ["placeholders holding `//`", `${"${//".repeat(250_000)}}`],
    // Review mask3 (3): each `//`'s user info, placeholders only to the `@`, was read to it (quadratic:
    // minutes at this size).
    ["placeholders holding `//` before an `@`", `x?a=${"//${".repeat(1_000_000)}}@h`],
    ["percent-encoded URLs with parameters in a value", `?a=${"%3Fb%3D%2F%2Fh%2Fp%40q%23".repeat(40_000)}`],
    ["percent-encoded escapes in a value", `?a=${"%25".repeat(300_000)}`],
    ["encoded parameters encoded again", `?a=${"%253Fb%253D%2525".repeat(60_000)}`],
    // Review mask3 (4): the user name from each `(` or `=` was read again to the one `:` (15 s at 100 KB).
    [
      "scheme-less user names holding placeholders, all running on to one `:`",
      `@${"(${a".repeat(100_000)}}${"b".repeat(400_000)}:`,
    ],
    ["… after `=`s", `@${"=${a".repeat(100_000)}}${"b".repeat(400_000)}:`],
  ])("%s: its credentials hidden", (_what, text) => {
    expect(hideValueCredentials(text + SECRETS)).toBe(text + HIDDEN);
  });

  // Review mask3c (P2-4): values encoded in one another, with parameters at every level, cost about
  // 81 readings each (6.8 s per MB through REST validation); the decodings read are bounded by a few
  // times the text, and what is left unread is hidden (the value shows no parameter of its own).
  test("nested percent-encoded parameters past the decoding budget are hidden, the text's own stay", () => {
    // Each value its own (equal ones are read once).
    const nested = Array.from({ length: 40_000 }, (_, i) => `%3D%253D%25253D%2525253D${i}%26`).join("");
    const shown = hideUrlCredentials(`https://api.example/x?a=${nested}&b=1 https://u:s3cret@h/x?token=s3cret`);
    expect(shown).toEndWith("&b=1 https://***@h/x?token=***");
    expect(shown).toStartWith("https://api.example/x?a=***");
    expect(hideUrlCredentials(`https://api.example/x?a=${nested.slice(0, 120)}`)).not.toContain("***");
  });

  // Review mask3 (2): each `${` was read to the text's end looking for its `}` (quadratic: a 600 KB
  // value took minutes).
  test("many unclosed `${` in a user info, a scheme-less password and a parameter's value", () => {
    const many = "${".repeat(300_000);
    expect(hideUrlCredentials(`GET http://u:p${many}@h/x failed`)).toBe("GET http://***@h/x failed");
    for (const value of [`http://u:p${many}@h/x`, `alice:s3cret${many}@proxy:3128`, `http://h/x?a=1;token=${many}`]) {
      expect(hideValueCredentials(`Invalid value ${value} for configuration k`, value)).not.toContain("s3");
      expect(hideValueCredentials(`Invalid value ${value} for configuration k`, value).length).toBeLessThan(100);
    }
  });

  // Review mask3 (4): the authority after each `//` of `${a//…}` was walked again over the
  // placeholders that follow it to the `@` (and sliced for a host and port): quadratic, minutes at
  // 1 MB. Only the last `//`'s user info, `}${c}…` (a `}` is no placeholder), is hidden.
  const open = "${a//".repeat(100_000);
  const closed = "${c}".repeat(100_000);
  test.each([
    ["then placeholders before an `@`", `${open}}${closed}@h`, `${open}***@h`],
    // A parameter's value: the scheme-less rule reads `${a//…}${c}…` as a user name (placeholders), `1/p` its password.
    ["then placeholders before a port and an `@`", `${open}}${closed}:1/p@h`, "***@h"],
    ["then a user name's `?` before an `@`", `${open}}?${"a".repeat(500_000)}@=`, `${open}}?${"a".repeat(500_000)}@=`],
  ])("placeholders holding `//` %s (1 MB), and a credential after them", (_what, placeholders, shown) => {
    const url = `https://api.example/x?a=${placeholders}`;
    const value = `${url} https://u:s3cret@h/x?token=s3cret`;
    expect(hideUrlCredentials(value)).toBe(`https://api.example/x?a=${shown} https://***@h/x?token=***`);
    expect(hideValueCredentials(`Invalid value ${value} for configuration k`, value)).not.toContain("s3");
  });

  // Read as one value, where no space ends a URL: as long, and its secrets hidden.
  test.each([
    ["list elements with an `@` no host follows", ",a:b@".repeat(200_000)],
    ["`;`-separated names without a value", `=${";a".repeat(400_000)}`],
    ["`?`-separated names without a value in a value", `?a=${"?a".repeat(400_000)}`],
    ["user names holding `?` with no `@`", "//a?b".repeat(200_000)],
    ["user names holding `?` before a last `@`", `${"//a?b".repeat(200_000)}@`],
    ["passwords holding `/` with an `@` at the end", `${"//a:b/".repeat(200_000)}@`],
    ["names holding spaces", "? a b c".repeat(200_000)],
    ["list elements with a space and an `@` no host follows", ", a:b c@".repeat(150_000)],
    ["quoted elements", `"a:b ${"' ".repeat(300_000)}`],
    ["percent-encoded URLs with parameters in a value", `?a=${"%3Fb%3D%2F%2Fu%3Ap%40h%23".repeat(40_000)}`],
    [
      "scheme-less user names holding placeholders, all running on to one `:`",
      `@${"(${a".repeat(100_000)}}${"b".repeat(400_000)}:`,
    ],
  ])("%s, as one value: its credentials hidden", (_what, text) => {
    const value = `${text} http://u:s3 cret@h:\${offset}/x?token=s3 cret`;
    expect(hideValueCredentials(`Invalid value ${value} for configuration k: bad`, value)).not.toContain("s3");
  });
});
