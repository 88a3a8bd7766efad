"use client";
// Typed tRPC hooks for the console. The router type comes from the server; nothing else does.
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import type { AppRouter } from "../server/api/root";

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

export type RouterOutputs = inferRouterOutputs<AppRouter>;
export type RouterInputs = inferRouterInputs<AppRouter>;
export type Me = NonNullable<RouterOutputs["me"]["get"]>;
export type UserRow = RouterOutputs["users"]["list"][number];
export type TokenRow = RouterOutputs["tokens"]["list"][number];
