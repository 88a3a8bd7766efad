import { Suspense, type ReactNode } from "react";
import { AppShell } from "../../components/shell/app-shell";

// Everything under (console) needs a signed-in user; the shell checks me.get and sends others to /login.
export default function ConsoleLayout({ children }: { children: ReactNode }) {
  return (
    <Suspense>
      <AppShell>{children}</AppShell>
    </Suspense>
  );
}
