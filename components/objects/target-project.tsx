"use client";
// The project a new object goes into: the selected one, or (under "All projects") one the user picks.
import { useState, type ReactNode } from "react";
import type { ConfigObject } from "../../server/engine/model/types";
import { useProject } from "../project-context";
import { canWriteIn, useMe } from "../session";
import { Field } from "../ui/field";
import { Select } from "../ui/select";

/** `preferred`: the project to start with under "All projects" (e.g. the port's own, on its page). */
export function useTargetProject(preferred?: string): {
  project: ConfigObject | undefined;
  picker: ReactNode;
} {
  const me = useMe();
  const { project: selected, projects } = useProject();
  const writable = projects.filter((p) => canWriteIn(me, p.uuid));
  const [picked, setPicked] = useState<string>("");
  if (selected) return { project: selected, picker: null };
  // the projects may still be loading when the form opens: fall back at render time, not in state
  const project =
    writable.find((p) => p.uuid === picked) ??
    writable.find((p) => p.uuid === preferred) ??
    writable.find((p) => p.fq_name.join(":") === "default-domain:default-project") ??
    writable[0];
  return {
    project,
    picker: (
      <Field label="Project" htmlFor="field-project" hint="“All projects” is selected above: choose where the new object goes.">
        <Select
          id="field-project"
          data-testid="field-project"
          value={project?.uuid ?? ""}
          onChange={(e) => setPicked(e.target.value)}
          options={writable.map((p) => ({ value: p.uuid, label: p.fq_name.join(":") }))}
        />
      </Field>
    ),
  };
}
