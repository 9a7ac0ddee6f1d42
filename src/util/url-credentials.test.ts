import { describe, expect, test } from "bun:test";
import { hideUrlCredentials } from "./url-credentials.ts";

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
  ])("%s is unchanged", (text) => expect(hideUrlCredentials(text)).toBe(text));
});
