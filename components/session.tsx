"use client";
// Who is signed in (me.get) and what they may change. Unauthenticated visitors go to /login.
import { useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { createContext, useContext, useEffect, type ReactNode } from "react";
import { errorCode, errorMessage } from "../lib/errors";
import { useTRPC, type Me } from "../lib/trpc";
import { Spinner } from "./ui/spinner";

const MeContext = createContext<Me | null>(null);

/** `initialMe` comes from the server layout (the session cookie read there), so pages do not wait for a round trip. */
export function SessionGate({ children, initialMe }: { children: ReactNode; initialMe?: Me | null }) {
  const trpc = useTRPC();
  const router = useRouter();
  const me = useQuery(trpc.me.get.queryOptions(undefined, { staleTime: 60_000, initialData: initialMe ?? undefined }));
  const signedOut = me.data === null || errorCode(me.error) === "UNAUTHORIZED";

  useEffect(() => {
    if (signedOut) router.replace("/login");
  }, [signedOut, router]);

  if (me.data) return <MeContext.Provider value={me.data}>{children}</MeContext.Provider>;
  if (me.error && !signedOut)
    return (
      <div className="flex h-screen items-center justify-center text-sm text-danger" role="alert">
        Cannot reach the controller: {errorMessage(me.error)}
      </div>
    );
  return (
    <div className="flex h-screen items-center justify-center">
      <Spinner label={signedOut ? "Redirecting to sign in…" : "Loading…"} />
    </div>
  );
}

export function useMe(): Me {
  const me = useContext(MeContext);
  if (!me) throw new Error("useMe() outside <SessionGate>");
  return me;
}

/** May the signed-in user change objects in this project? (admin: anywhere; operator: granted projects) */
export function canWriteIn(me: Me, projectUuid: string | undefined): boolean {
  if (me.role === "admin") return true;
  if (me.role === "operator") return !!projectUuid && me.projectUuids.includes(projectUuid);
  return false;
}

export function useCanWrite(projectUuid: string | undefined): boolean {
  return canWriteIn(useMe(), projectUuid);
}

export function useIsAdmin(): boolean {
  return useMe().role === "admin";
}
