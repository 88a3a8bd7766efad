"use client";
// Breadcrumbs from the path; a detail page names its object through useBreadcrumbName().
import { ChevronRight } from "lucide-react";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import { useProject } from "../project-context";
import { NAV, SEGMENT_LABELS } from "./nav";

// a page's own label by its full path first (Overlay › Policies and Kubernetes › Network Policies share a segment)
const PAGE_LABELS: Record<string, string> = Object.fromEntries(NAV.flatMap((a) => a.items.map((i) => [i.href, i.label])));

const NameContext = createContext<{ name: string | null; setName: (n: string | null) => void }>({ name: null, setName: () => {} });

export function BreadcrumbProvider({ children }: { children: ReactNode }) {
  const [name, setName] = useState<string | null>(null);
  return <NameContext.Provider value={{ name, setName }}>{children}</NameContext.Provider>;
}

export function useBreadcrumbName(name: string | undefined) {
  const { setName } = useContext(NameContext);
  useEffect(() => {
    setName(name ?? null);
    return () => setName(null);
  }, [name, setName]);
}

export function Breadcrumbs() {
  const pathname = usePathname();
  const { name } = useContext(NameContext);
  const { withProject } = useProject();
  const segments = pathname.split("/").filter(Boolean);
  const crumbs = segments.map((seg, i) => {
    const href = "/" + segments.slice(0, i + 1).join("/");
    const last = i === segments.length - 1;
    const label = PAGE_LABELS[href] ?? SEGMENT_LABELS[seg] ?? (last && name ? name : seg);
    // area segments (/overlay) have no page of their own
    const linkable = i > 0 && !last;
    return { href, label, linkable, last };
  });
  return (
    <nav aria-label="Breadcrumb" className="flex min-w-0 items-center gap-1 text-[13px] text-muted">
      {crumbs.map((c, i) => (
        <span key={c.href} className="flex min-w-0 items-center gap-1">
          {i > 0 && <ChevronRight className="h-3.5 w-3.5 shrink-0 text-faint" />}
          {c.linkable ? (
            <Link href={withProject(c.href)} className="truncate hover:text-fg">
              {c.label}
            </Link>
          ) : (
            <span className={c.last ? "truncate font-medium text-fg" : "truncate"}>{c.label}</span>
          )}
        </span>
      ))}
    </nav>
  );
}
