import { describe, expect, test } from "bun:test";
import { redactUrl } from "./http-client.ts";
import { urlSecrets } from "./url-secrets.ts";

describe("urlSecrets", () => {
  test.each([
    ["https://api.example/in", []],
    ["https://api.example/in?page=2&sort=asc", []],
    ["https://api.example/in?api_key=k3y%2Bv&page=2", ["k3y%2Bv", "k3y+v"]],
    ["https://api.example/in?sig=a+b&token=t0k", ["a+b", "a b", "t0k"]],
    ["https://dev:pa55%40w@api.example/in", [btoa("dev:pa55@w"), "dev", "pa55%40w", "pa55@w"]],
    ["https://sk_l1ve_k3y@api.example/in", [btoa("sk_l1ve_k3y:"), "sk_l1ve_k3y"]],
    ["https://api.example/${topic}?key=${key}&secret=s3", ["s3"]],
    ["https://api.example/in?a=1;token=t0k;b=2&sig=s;g", ["t0k;b=2", "t0k", "s;g"]],
    ["https://api.example/in?next=http://h/x?token=t0k&code=c0de&postcode=75001", ["t0k", "c0de"]],
    // An inner secret is hidden to the outer value's end (redactUrl): that whole run, and its part alone.
    ["https://api.example/in?next=http://h/x?token=ab?cd&page=2", ["ab?cd", "ab"]],
    ["https://api.example/in?next=http://h/x?token=ab;cd=e%2Bf", ["ab;cd=e%2Bf", "ab;cd=e+f", "ab"]],
    ["https://api.example/in?a=1;token=${env:T};sig=s1g?x", ["s1g?x", "s1g"]],
    // Review mask3: a URL percent-encoded in a value: its user info or secret parameter's value.
    ["https://api.example/in?next=https%3A%2F%2Fu%3As3cret%40h%2Fx", ["u%3As3cret", "u:s3cret", "s3cret"]],
    // Review mask3c (P3-5): a user info encoded again, each decoding and the password alone listed.
    [
      "https://api.example/in?next=https%3A%2F%2Fu%3As3cr%2525et%40h",
      ["u%3As3cr%2525et", "u:s3cr%25et", "u:s3cr%et", "s3cr%25et", "s3cr%et"],
    ],
    ["https://api.example/in?redirect=https%3A%2F%2Fh%2F%3Ftoken%3Ds3cret%26b%3D2", ["s3cret"]],
    // Task mask4 (1, 2): a scheme-less user:password@host in a value, plain or percent-encoded.
    ["https://api.example/in?proxy=alice:s3cret@proxy:3128&a=1", ["alice:s3cret", "s3cret"]],
    ["https://api.example/in?url=svc%3As3cret%40proxy%3A3128", ["svc%3As3cret", "svc:s3cret", "s3cret"]],
    // Review mask4: each element of a list; a DSN's options after the host.
    [
      "https://api.example/in?proxies=alice:s3cret@p1;bob:s4cret@p2",
      ["alice:s3cret", "s3cret", "bob:s4cret", "s4cret"],
    ],
    ["https://api.example/in?db=alice:s3cret@db?sslmode=require", ["alice:s3cret", "s3cret"]],
    ["not a url?token=x", []],
  ])("%s", (url, secrets) => {
    expect(urlSecrets(url)).toEqual(secrets);
  });

  test.each([
    "https://dev:pw0rd@api.example/in?api_key=k3y&page=2;token=t0k&next=http://h/?jwt=j.w.t&code=c0",
    "https://api.example/in?next=http://h/x?token=ab?cd&page=2",
    "https://api.example/in?a=1;sig=s1g;b=2?c=3&page=2",
    "https://api.example/in?next=https%3A%2F%2Fu%3As3cret%40h%2Fx&page=2",
    "https://api.example/in?redirect=https%3A%2F%2Fh%2F%3Ftoken%3Ds3cret%26b%3D2&page=2",
    "https://api.example/in?proxy=alice:s3cret@proxy:3128&page=2",
    "https://api.example/in?url=svc%3As3cret%40proxy%3A3128&page=2",
  ])("%s: they are the parts redactUrl hides, whole", (url) => {
    const shown = redactUrl(url);
    const secrets = urlSecrets(url);
    for (const secret of secrets) expect(shown).not.toContain(secret);
    // The query masked with them, the longer first (as SecretMask masks), is the query redactUrl shows.
    const query = (text: string) => text.slice(text.indexOf("?"));
    let masked = query(url);
    for (const secret of [...secrets].sort((a, b) => b.length - a.length)) masked = masked.replaceAll(secret, "***");
    expect(masked).toBe(query(shown));
    expect(shown).toContain("page=2");
  });

  test.each([
    "https://us%C3%A9r:p%40ss@127.0.0.1/",
    "https://a%3Ab:c@127.0.0.1/",
    "https://us%E9r:x@127.0.0.1/",
    "https://user@127.0.0.1/",
  ])("%s: the Basic credentials fetch sends are among them", async (url) => {
    await using server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: (request) => new Response(request.headers.get("authorization")),
    });
    const sent = await (
      await fetch(url.replace("https:", "http:").replace("@127.0.0.1/", `@127.0.0.1:${server.port}/`))
    ).text();
    expect(sent.startsWith("Basic ")).toBe(true);
    expect(urlSecrets(url)).toContain(sent.slice("Basic ".length));
  });
});
