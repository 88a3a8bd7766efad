"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { cn } from "../../lib/cn";
import { useProject } from "../project-context";
import { useMe } from "../session";
import { NAV } from "./nav";

export function SideNav() {
  const pathname = usePathname();
  const me = useMe();
  const { withProject } = useProject();
  return (
    <aside className="flex w-52 shrink-0 flex-col border-r border-line bg-surface">
      <div className="flex h-11 items-center gap-2 border-b border-line px-4">
        <span className="grid h-6 w-6 place-items-center rounded bg-accent text-[11px] font-bold text-accent-fg">W</span>
        <span className="text-sm font-semibold tracking-tight">Weft</span>
      </div>
      <nav className="flex-1 overflow-y-auto px-2 py-3">
        {NAV.map((area) => {
          const items = area.items.filter((i) => !i.adminOnly || me.role === "admin");
          if (items.length === 0) return null;
          return (
            <div key={area.id} className="mb-4">
              <div className="px-2 pb-1 text-[11px] font-semibold tracking-wider text-faint uppercase">{area.label}</div>
              {items.map((item) => {
                const active = pathname === item.href || pathname.startsWith(`${item.href}/`);
                const Icon = item.icon;
                return (
                  <Link
                    key={item.href}
                    href={withProject(item.href)}
                    data-testid={`nav-${item.id ?? item.href.split("/").pop()}`}
                    aria-current={active ? "page" : undefined}
                    className={cn(
                      "flex h-7 items-center gap-2 rounded-md px-2 text-[13px]",
                      active ? "bg-accent-soft font-medium text-accent" : "text-muted hover:bg-surface-2 hover:text-fg",
                    )}
                  >
                    <Icon className="h-4 w-4 shrink-0" />
                    {item.label}
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
