"use client";
// Floating IPs: the addresses (default view) and the pools they come from (?view=pools).
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { cn } from "../../../lib/cn";
import { FipList } from "./fip-list";
import { PoolList } from "./pool-list";

export function FloatingIpPage() {
  const params = useSearchParams();
  const view = params.get("view") === "pools" ? "pools" : "addresses";
  return view === "pools" ? <PoolList switcher={<ViewSwitch view={view} />} /> : <FipList switcher={<ViewSwitch view={view} />} />;
}

function ViewSwitch({ view }: { view: "addresses" | "pools" }) {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const go = (v: string) => {
    const next = new URLSearchParams(params.toString());
    next.set("view", v);
    router.replace(`${pathname}?${next.toString()}`);
  };
  return (
    <div className="flex rounded-md border border-line-strong p-0.5 text-xs" role="tablist">
      {(["addresses", "pools"] as const).map((v) => (
        <button
          key={v}
          role="tab"
          type="button"
          aria-selected={view === v}
          data-testid={`view-${v}`}
          onClick={() => go(v)}
          className={cn("rounded px-2 py-0.5", view === v ? "bg-accent-soft font-medium text-accent" : "text-muted hover:text-fg")}
        >
          {v === "addresses" ? "Addresses" : "Pools"}
        </button>
      ))}
    </div>
  );
}
