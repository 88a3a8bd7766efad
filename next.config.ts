import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  typedRoutes: false,
  devIndicators: false,
  // The build type-checks what the console ships; tests, benches and the CLI are checked by `npm run typecheck`.
  typescript: { tsconfigPath: "tsconfig.build.json" },
  // Native / engine-side modules stay outside the bundles; the custom server (server/main.ts) loads them.
  serverExternalPackages: ["better-sqlite3", "@prisma/client", "@prisma/adapter-better-sqlite3", "prisma", "@duckdb/node-api", "@clickhouse/client", "@grpc/grpc-js", "@grpc/proto-loader", "@kubernetes/client-node", "@peculiar/x509", "reflect-metadata"],
};

export default nextConfig;
