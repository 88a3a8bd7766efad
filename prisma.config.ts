import path from "node:path";
import { defineConfig } from "prisma/config";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";

// Prisma 6.19 with the JS engine and a driver adapter: works with no network (docs/stack.md).
export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "prisma/schema.prisma",
  async adapter() {
    const dir = process.env.WEFT_DATA_DIR ?? "./data";
    return new PrismaBetterSQLite3({ url: `file:${path.join(dir, "weft.db")}` });
  },
});
