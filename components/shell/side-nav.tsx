"use client";
import { PanelLeftClose, PanelLeftOpen } from "lucide-react";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { useEffect, useState } from "react";
import { cn } from "../../lib/cn";
import { useProject } from "../project-context";
import { useMe } from "../session";
import { NAV } from "./nav";

export function SideNav() {
  const pathname = usePathname();
  const me = useMe();
  const { withProject } = useProject();
  // collapsible to its icons (remembered), so tables get the room on a 1,024 px screen
  const [collapsed, setCollapsed] = useState(false);
  useEffect(() => {
    try {
      setCollapsed(localStorage.getItem("weft.nav") === "collapsed" || (localStorage.getItem("weft.nav") === null && window.innerWidth < 1200));
    } catch {
      // no storage: expanded
    }
  }, []);
  const toggle = () => {
    setCollapsed((c) => {
      try {
        localStorage.setItem("weft.nav", c ? "expanded" : "collapsed");
      } catch {
        // no storage: this page only
      }
      return !c;
    });
  };
  return (
    <aside className={cn("flex shrink-0 flex-col border-r border-line bg-surface", collapsed ? "w-12" : "w-52")} data-testid="side-nav" data-collapsed={collapsed}>
      <div className={cn("flex h-11 items-center gap-2 border-b border-line", collapsed ? "justify-center px-1" : "px-4")}>
        {!collapsed && <span className="grid h-6 w-6 place-items-center rounded bg-accent text-[11px] font-bold text-accent-fg">W</span>}
        {!collapsed && <span className="text-sm font-semibold tracking-tight">Weft</span>}
        <button type="button" onClick={toggle} className={cn("grid h-7 w-7 place-items-center rounded-md text-muted hover:bg-surface-2 hover:text-fg", !collapsed && "ml-auto")} aria-label={collapsed ? "Expand the sidebar" : "Collapse the sidebar"} title={collapsed ? "Expand the sidebar" : "Collapse the sidebar"} data-testid="nav-toggle">
          {collapsed ? <PanelLeftOpen className="h-4 w-4" /> : <PanelLeftClose className="h-4 w-4" />}
        </button>
      </div>
      <nav className={cn("flex-1 overflow-y-auto py-3", collapsed ? "px-1" : "px-2")}>
        {NAV.map((area) => {
          const items = area.items.filter((i) => !i.adminOnly || me.role === "admin");
          if (items.length === 0) return null;
          return (
            <div key={area.id} className="mb-4">
              {collapsed ? <div className="mx-2 mb-1 border-t border-line" /> : <div className="px-2 pb-1 text-[11px] font-semibold tracking-wider text-faint uppercase">{area.label}</div>}
              {items.map((item) => {
                const active = pathname === item.href || pathname.startsWith(`${item.href}/`);
                const Icon = item.icon;
                return (
                  <Link
                    key={item.href}
                    href={withProject(item.href)}
                    data-testid={`nav-${item.id ?? item.href.split("/").pop()}`}
                    aria-current={active ? "page" : undefined}
                    title={collapsed ? `${area.label} › ${item.label}` : undefined}
                    className={cn(
                      "flex h-7 items-center gap-2 rounded-md px-2 text-[13px]",
                      active ? "bg-accent-soft font-medium text-accent" : "text-muted hover:bg-surface-2 hover:text-fg",
                    )}
                  >
                    <Icon className="h-4 w-4 shrink-0" />
                    {collapsed ? <span className="sr-only">{item.label}</span> : item.label}
                  </Link>
                );
              })}
            </div>
          );
        })}
      </nav>
    </aside>
  );
}
