import { describe, expect, it } from "vitest";
import { FilterError, completeAt, filterSql, parseFilter } from "../../server/engine/analytics/filter";

const duck = { str: (s: string) => `'${s.replace(/'/g, "''")}'`, bool: (b: boolean) => String(b).toUpperCase(), contains: (c: string, s: string) => `contains(${c}, '${s}')`, includes: (c: string, s: string) => `strpos(${c}, '${s}') > 0`, startsWith: (c: string, s: string) => `starts_with(${c}, '${s}')`, delimited: (c: string) => `(',' || ${c} || ',')`, ident: (n: string) => n };

function err(src: string): FilterError {
  try {
    parseFilter(src);
  } catch (e) {
    if (e instanceof FilterError) return e;
    throw e;
  }
  throw new Error(`no error for ${src}`);
}

describe("filter language", () => {
  it("parses the issue's example", () => {
    const n = parseFilter('src_vn = "default-domain:p:vn" AND action = deny AND dst_port IN (80, 443) AND src_ip << 10.0.0.0/8');
    expect(filterSql(n, duck)).toBe("(src_vn = 'default-domain:p:vn' AND action = 'deny' AND dst_port IN (80, 443) AND (src_ip4 BETWEEN 167772160 AND 184549375 AND src_ip4 > 0))");
  });

  it("precedence: NOT > AND > OR, parentheses, protocol names, Contrail's OR of ANDs", () => {
    const n = parseFilter("(src_vn = a AND protocol = tcp) OR (dst_vn = b AND NOT dst_port = 22)");
    expect(filterSql(n, duck)).toBe("((src_vn = 'a' AND protocol = 6) OR (dst_vn = 'b' AND (NOT dst_port = 22)))");
    expect(filterSql(parseFilter("a_b = 1".replace("a_b", "packets") + " || bytes > 10 && reverse = true"), duck)).toBe("(packets = 1 OR (bytes > 10 AND reverse = TRUE))");
    expect(parseFilter("   ")).toBeNull();
  });

  it.each([
    ["srcvn = x", 0, /unknown field "srcvn" \(did you mean src_vn\?\)/],
    ["action = maybe", 9, /action is one of pass, deny, drop/],
    ["dst_port = http", 11, /dst_port takes a number/],
    ["src_ip << 10.0.0.0/33", 10, /prefix length must be 0–32/],
    ["src_vn < 3", 7, /< compares numbers; src_vn is text/],
    ["dst_port IN (80 443)", 16, /expected "," or "\)"/],
    ["(action = deny", 14, /expected "\)" to close the "\(" at position 1/],
    ['src_vn = "abc', 9, /unterminated string/],
    ["action = deny src_vn = x", 14, /expected AND, OR or "\)" before "src_vn"/],
    ["action =", 8, /expected a value for action, found end of input/],
    ["dst_port = 1 )", 13, /unmatched "\)"/],
    ["src_vn = a ; x", 11, /unexpected character ";"/],
    ['src_labels = "app web"', 13, /src_labels takes one label as key=value, or a key alone/],
    ["dst_labels = app=web=x", 20, /unexpected "="/],
    ["src_labels << 10.0.0.0/8", 11, /<< \(in subnet\) works on addresses/],
    ["src_ip ^= 10.1", 7, /\^= \(starts with\) works on text; src_ip is an address \(use << for a subnet\)/],
    ["dst_port ^= 8", 9, /\^= \(starts with\) works on text; dst_port is a number/],
  ])("%s → error at %i", (src, pos, msg) => {
    const e = err(src);
    expect(e.position).toBe(pos);
    expect(e.message).toMatch(msg);
    expect(e.message).toMatch(new RegExp(`^position ${pos + 1}: `));
  });

  it("labels: a bare key=value is one value; = matches one label or a key, IN any, != none", () => {
    expect(filterSql(parseFilter("src_labels = app=web"), duck)).toBe("strpos((',' || src_labels || ','), ',app=web,') > 0");
    expect(filterSql(parseFilter('dst_labels IN ("app.kubernetes.io/name=x", tier) AND action = deny'), duck)).toBe(
      "((strpos((',' || dst_labels || ','), ',app.kubernetes.io/name=x,') > 0 OR strpos((',' || dst_labels || ','), ',tier=') > 0) AND action = 'deny')",
    );
    expect(filterSql(parseFilter("src_labels != canary="), duck)).toBe("(NOT strpos((',' || src_labels || ','), ',canary=,') > 0)");
    // "app = web" with spaces is not a label value: the = is the operator of a second comparison
    expect(() => parseFilter("src_labels = app = web")).toThrow(FilterError);
  });

  it("^= is starts-with (Contrail's PREFIX), on names and closed sets alike", () => {
    expect(filterSql(parseFilter("src_vn ^= default-domain:k8s- AND action ^= d"), duck)).toBe("(starts_with(src_vn, 'default-domain:k8s-') AND starts_with(action, 'd'))");
    expect(completeAt("src_vn ", 7).items).toContain("^=");
    expect(completeAt("dst_port ", 9).items).not.toContain("^=");
  });

  it("autocomplete: fields, operators, closed values", () => {
    expect(completeAt("src_labels = app=w", 18)).toMatchObject({ kind: "value", field: "src_labels", prefix: "app=w", from: 13 });
    expect(completeAt("dst_labels IN (tier=back, ap", 28)).toMatchObject({ kind: "value", field: "dst_labels", prefix: "ap", from: 26 });
    expect(completeAt("src_v", 5)).toMatchObject({ kind: "field", from: 0, items: ["src_vn", "src_vmi"] });
    expect(completeAt("action ", 7).kind).toBe("operator");
    expect(completeAt("action = d", 10)).toMatchObject({ kind: "value", field: "action", items: ["deny", "drop"] });
    expect(completeAt("protocol IN (tcp, u", 19)).toMatchObject({ kind: "value", field: "protocol", items: ["udp"] });
    expect(completeAt("action = deny AND ", 18).kind).toBe("field");
  });
});

it("a filter error is an engine error (tRPC and REST pass its position on as details)", async () => {
  const { isWeftError } = await import("../../server/engine/model/errors");
  let e: unknown;
  try {
    parseFilter("action = maybe");
  } catch (x) {
    e = x;
  }
  expect(e).toBeInstanceOf(FilterError);
  expect(isWeftError(e)).toBe(true);
  expect((e as FilterError).status).toBe(400);
  expect((e as FilterError).details).toMatchObject({ position: 9, length: 5 });
});
