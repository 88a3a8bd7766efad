import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  typedRoutes: false,
  devIndicators: false,
  // Native / engine-side modules stay outside the bundles; the custom server (server/main.ts) loads them.
  serverExternalPackages: ["better-sqlite3", "@prisma/client", "@prisma/adapter-better-sqlite3", "prisma"],
};

export default nextConfig;
