import { Suspense, type ReactNode } from "react";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { AppShell } from "../../components/shell/app-shell";
import { getServices } from "../../server/registry";

export const dynamic = "force-dynamic";

// Everything under (console) needs a signed-in user. The session is read here, on the server, so
// the page's data queries start at hydration instead of after a me.get round trip.
export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const s = getServices();
  const actor = await s.accounts.actorFromHeaders(await headers(), "console");
  const me = actor?.userId ? await s.accounts.me(actor.userId) : null;
  if (!me) redirect("/login");
  return (
    <Suspense>
      <AppShell initialMe={me}>{children}</AppShell>
    </Suspense>
  );
}
