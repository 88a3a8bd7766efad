// Topology positions per user on the server (issue 8): one file per user, one entry per view key,
// forgotten with null, other users and keys untouched, bounded in keys.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MAX_LAYOUTS, loadLayout, saveLayout } from "../../server/engine/topology/layouts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "weft-layouts-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("topology layouts per user", () => {
  it("saves, loads and forgets one view's positions per user", () => {
    expect(loadLayout(dir, "u1", "logical")).toBeNull();
    saveLayout(dir, "u1", "logical", { at: 10, positions: { "vn:a": [1, 2], "port:b": [3, 4] } });
    saveLayout(dir, "u1", "infrastructure", { at: 11, positions: { "compute:c": [5, 6] } });
    saveLayout(dir, "u2", "logical", { at: 12, positions: { "vn:a": [9, 9] } });
    expect(loadLayout(dir, "u1", "logical")).toEqual({ at: 10, positions: { "vn:a": [1, 2], "port:b": [3, 4] } });
    expect(loadLayout(dir, "u2", "logical")?.positions["vn:a"]).toEqual([9, 9]);
    expect(loadLayout(dir, "u1", "infrastructure")?.at).toBe(11);
    saveLayout(dir, "u1", "logical", null);
    expect(loadLayout(dir, "u1", "logical")).toBeNull();
    expect(loadLayout(dir, "u1", "infrastructure")).not.toBeNull();
    expect(loadLayout(dir, "u2", "logical")).not.toBeNull();
    expect(loadLayout(dir, "u1", "__proto__")).toBeNull();
  });

  it("keeps the most recently saved views only", () => {
    for (let i = 0; i < MAX_LAYOUTS + 5; i++) saveLayout(dir, "u3", `view-${i}`, { at: i, positions: { x: [i, i] } });
    expect(loadLayout(dir, "u3", "view-0")).toBeNull();
    expect(loadLayout(dir, "u3", `view-${MAX_LAYOUTS + 4}`)?.at).toBe(MAX_LAYOUTS + 4);
    expect(loadLayout(dir, "u3", "view-5")?.at).toBe(5);
  });
});
