"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { errorMessage, FieldErrors, fieldIssues } from "../../lib/errors";
import { useTRPC, type UserRow } from "../../lib/trpc";
import { FormDialog } from "../objects/form-dialog";
import { useProject } from "../project-context";
import { Checkbox } from "../ui/checkbox";
import { Field } from "../ui/field";
import { Input } from "../ui/input";
import { Select } from "../ui/select";

type Role = UserRow["role"];
const ROLES: { value: Role; label: string }[] = [
  { value: "viewer", label: "Viewer: reads everything, changes nothing" },
  { value: "operator", label: "Operator: changes objects in granted projects" },
  { value: "admin", label: "Admin: changes everything, manages users" },
];

export function UserForm({ existing, onOpenChange }: { existing?: UserRow; onOpenChange: (o: boolean) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { projects } = useProject();
  const create = useMutation(trpc.users.create.mutationOptions());
  const update = useMutation(trpc.users.update.mutationOptions());
  const [email, setEmail] = useState(existing?.email ?? "");
  const [name, setName] = useState(existing?.name ?? "");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState<Role>(existing?.role ?? "viewer");
  const [granted, setGranted] = useState<Set<string>>(new Set(existing?.projectUuids ?? []));
  const [errors, setErrors] = useState<FieldErrors>(FieldErrors.empty);
  const [topError, setTopError] = useState("");

  async function submit() {
    setTopError("");
    const issues = [];
    if (!existing && !/^[^@\s]+@[^@\s]+$/.test(email.trim())) issues.push({ field: "email", message: "enter an email address" });
    if ((!existing || password) && password.length < 8) issues.push({ field: "password", message: "the password needs at least 8 characters" });
    setErrors(new FieldErrors(issues));
    if (issues.length) return;
    try {
      const projectUuids = role === "operator" ? [...granted] : [];
      if (existing) await update.mutateAsync({ id: existing.id, name, role, projectUuids, ...(password ? { password } : {}) });
      else await create.mutateAsync({ email: email.trim(), name: name.trim(), password, role, projectUuids });
      await queryClient.invalidateQueries({ queryKey: trpc.users.pathKey() });
      onOpenChange(false);
    } catch (e) {
      const fe = new FieldErrors(fieldIssues(e));
      setErrors(fe);
      setTopError(fe.size === 0 || fe.rest(["email", "name", "password", "role", "projectUuids"]).length ? errorMessage(e) : "");
    }
  }

  return (
    <FormDialog
      open
      onOpenChange={onOpenChange}
      title={existing ? `Edit ${existing.email}` : "Create user"}
      submitLabel={existing ? "Save" : "Create"}
      busy={create.isPending || update.isPending}
      error={topError}
      onSubmit={submit}
    >
      <div className="grid grid-cols-2 gap-4">
        <Field label="Email" htmlFor="field-email" error={errors.at("email")} name="email">
          <Input id="field-email" data-testid="field-email" type="email" value={email} disabled={!!existing} onChange={(e) => setEmail(e.target.value)} autoFocus={!existing} />
        </Field>
        <Field label="Name" htmlFor="field-name" error={errors.at("name")} name="name">
          <Input id="field-name" data-testid="field-name" value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
      </div>
      <Field label={existing ? "New password (leave empty to keep)" : "Password"} htmlFor="field-password" error={errors.at("password")} name="password">
        <Input id="field-password" data-testid="field-password" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} />
      </Field>
      <Field label="Role" htmlFor="field-role" error={errors.at("role")} name="role">
        <Select id="field-role" data-testid="field-role" value={role} onChange={(e) => setRole(e.target.value as Role)} options={ROLES} />
      </Field>
      {role === "operator" && (
        <Field label="Projects this operator may change" error={errors.at("projectUuids")} name="projects">
          <div className="flex max-h-40 flex-col gap-1 overflow-auto rounded-md border border-line-strong p-2" data-testid="field-projects">
            {projects.map((p) => (
              <Checkbox
                key={p.uuid}
                label={p.fq_name.join(":")}
                data-testid={`grant-${p.name}`}
                checked={granted.has(p.uuid)}
                onChange={(e) => {
                  const next = new Set(granted);
                  if (e.target.checked) next.add(p.uuid);
                  else next.delete(p.uuid);
                  setGranted(next);
                }}
              />
            ))}
          </div>
        </Field>
      )}
    </FormDialog>
  );
}
