"use client";
import { useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { authClient } from "../../lib/auth-client";
import { Button } from "../ui/button";
import { Field, FormError } from "../ui/field";
import { Input } from "../ui/input";

export function LoginForm() {
  const router = useRouter();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      const res = await authClient.signIn.email({ email: email.trim(), password });
      if (res.error) {
        const status = res.error.status;
        setError(
          status === 401 || status === 403 || res.error.code === "INVALID_EMAIL_OR_PASSWORD"
            ? "Wrong email or password."
            : status === 429
              ? "Too many attempts: wait a few seconds and try again."
              : res.error.message || `Sign-in failed (HTTP ${status}).`,
        );
        return;
      }
      queryClient.clear();
      router.replace("/monitor/overview");
    } catch (err) {
      setError(`Cannot reach the controller: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} className="flex w-full max-w-sm flex-col gap-4 rounded-lg border border-line bg-surface p-6 shadow-sm" noValidate>
      <div className="flex items-center gap-2">
        <span className="grid h-7 w-7 place-items-center rounded bg-accent text-xs font-bold text-accent-fg">W</span>
        <div>
          <h1 className="text-base font-semibold">Sign in to Weft</h1>
          <p className="text-xs text-muted">SDN controller console</p>
        </div>
      </div>
      <Field label="Email" htmlFor="email">
        <Input id="email" name="email" data-testid="login-email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required autoFocus />
      </Field>
      <Field label="Password" htmlFor="password">
        <Input id="password" name="password" data-testid="login-password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
      </Field>
      <FormError>{error}</FormError>
      <Button type="submit" variant="primary" disabled={busy || !email || !password} data-testid="login-submit">
        {busy ? "Signing in…" : "Sign in"}
      </Button>
    </form>
  );
}
