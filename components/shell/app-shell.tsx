"use client";
// The console frame: left rail, top bar (project, breadcrumbs, user) and the page.
import type { ReactNode } from "react";
import type { Me } from "../../lib/trpc";
import { ProjectProvider } from "../project-context";
import { SessionGate } from "../session";
import { BreadcrumbProvider, Breadcrumbs } from "./breadcrumbs";
import { LiveChannelProvider, LiveIndicator } from "./live-channel";
import { ProjectSelector } from "./project-selector";
import { SideNav } from "./side-nav";
import { UserMenu } from "./user-menu";

export function AppShell({ children, initialMe }: { children: ReactNode; initialMe?: Me | null }) {
  return (
    <SessionGate initialMe={initialMe}>
      <ProjectProvider>
        <LiveChannelProvider>
        <BreadcrumbProvider>
          <div className="flex h-screen overflow-hidden">
            <SideNav />
            <div className="flex min-w-0 flex-1 flex-col">
              <header className="flex h-11 shrink-0 items-center gap-4 border-b border-line bg-surface px-4">
                <ProjectSelector />
                <div className="h-5 w-px bg-line" />
                <Breadcrumbs />
                <div className="ml-auto flex items-center gap-3">
                  <LiveIndicator />
                  <UserMenu />
                </div>
              </header>
              <main className="flex min-h-0 flex-1 flex-col overflow-hidden">{children}</main>
            </div>
          </div>
        </BreadcrumbProvider>
        </LiveChannelProvider>
      </ProjectProvider>
    </SessionGate>
  );
}
