"use client";
import { useQueryClient } from "@tanstack/react-query";
import { LogOut, Moon, Sun, UserRound } from "lucide-react";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { authClient } from "../../lib/auth-client";
import { applyTheme, currentTheme, type Theme } from "../../lib/theme";
import { useMe } from "../session";
import { RoleBadge } from "../admin/role-badge";

export function UserMenu() {
  const me = useMe();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [theme, setTheme] = useState<Theme>("light");
  const ref = useRef<HTMLDivElement>(null);

  useEffect(() => setTheme(currentTheme()), []);
  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) setOpen(false);
    };
    // Escape closes the menu, as every menu should
    const esc = (e: KeyboardEvent) => e.key === "Escape" && setOpen(false);
    document.addEventListener("mousedown", close);
    document.addEventListener("keydown", esc);
    return () => {
      document.removeEventListener("mousedown", close);
      document.removeEventListener("keydown", esc);
    };
  }, [open]);

  function toggleTheme() {
    const next: Theme = theme === "dark" ? "light" : "dark";
    applyTheme(next);
    setTheme(next);
  }

  async function signOut() {
    await authClient.signOut();
    queryClient.clear();
    router.replace("/login");
  }

  return (
    <div ref={ref} className="relative">
      <button
        type="button"
        data-testid="user-menu"
        onClick={() => setOpen((o) => !o)}
        aria-expanded={open}
        aria-haspopup="menu"
        className="flex h-7 items-center gap-2 rounded-md px-2 text-xs text-muted hover:bg-surface-2 hover:text-fg"
      >
        <UserRound className="h-4 w-4" />
        <span className="max-w-48 truncate">{me.email}</span>
        <RoleBadge role={me.role} />
      </button>
      {open && (
        <div className="absolute top-8 right-0 z-30 w-64 rounded-lg border border-line bg-surface p-1 shadow-lg">
          <div className="border-b border-line px-3 py-2">
            <div className="truncate text-[13px] font-medium">{me.name || me.email}</div>
            <div className="truncate text-xs text-muted">{me.email}</div>
            <div className="mt-1">
              <RoleBadge role={me.role} />
            </div>
          </div>
          <button
            type="button"
            data-testid="theme-toggle"
            onClick={toggleTheme}
            className="flex w-full items-center gap-2 rounded-md px-3 py-2 text-left text-[13px] hover:bg-surface-2"
          >
            {theme === "dark" ? <Sun className="h-4 w-4" /> : <Moon className="h-4 w-4" />}
            {theme === "dark" ? "Light theme" : "Dark theme"}
          </button>
          <button
            type="button"
            data-testid="sign-out"
            onClick={signOut}
            className="flex w-full items-center gap-2 rounded-md px-3 py-2 text-left text-[13px] hover:bg-surface-2"
          >
            <LogOut className="h-4 w-4" />
            Sign out
          </button>
        </div>
      )}
    </div>
  );
}
