"use client";
// The detail page of any config object: header with edit/delete, and tabs Overview, Related,
// JSON (exactly config.get().object) and History (audit entries with diffs). Tab is in the URL.
import { Pencil, Trash2 } from "lucide-react";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useState, type ReactNode } from "react";
import { refField, TYPES, type ConfigObject, type ObjectType, type Ref } from "../../server/engine/model/types";
import { errorCode, errorMessage } from "../../lib/errors";
import { TYPE_PAGES, typeLabel } from "../../lib/object-routes";
import { useBreadcrumbName } from "../shell/breadcrumbs";
import { useProject } from "../project-context";
import { useMe, canWriteIn } from "../session";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Card } from "../ui/card";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { Spinner } from "../ui/spinner";
import { Tabs } from "../ui/tabs";
import { FqName, ObjectLink, RefLinks, Uuid, formatTime } from "./cells";
import { HistoryTab } from "./history-tab";
import { JsonTab } from "./json-tab";
import { KV } from "./kv";
import { PageHeader } from "./page-header";
import { RelatedTab } from "./related-tab";
import { useConfigObject, useDeleteObjects } from "./use-config";
import { KubeOwnerNote } from "../kubernetes/kube-owner-note";

export interface EditDialogProps {
  object: ConfigObject;
  onOpenChange: (open: boolean) => void;
}

export function ObjectDetail({
  type,
  uuid,
  overview,
  renderEdit,
  listHref,
  actions,
}: {
  type: ObjectType;
  uuid: string;
  /** type-specific overview cards */
  overview?: (obj: ConfigObject) => ReactNode;
  renderEdit?: (props: EditDialogProps) => ReactNode;
  listHref?: string;
  /** type-specific header actions, for writers (e.g. a port's "Associate floating IP") */
  actions?: (obj: ConfigObject) => ReactNode;
}) {
  const me = useMe();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const { projectOf, withProject } = useProject();
  const q = useConfigObject(type, uuid);
  const obj = q.data?.object as ConfigObject | undefined;
  useBreadcrumbName(obj?.name);
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const deleteObjects = useDeleteObjects(type);
  const tab = params.get("tab") ?? "overview";

  if (q.isLoading) return <div className="p-6"><Spinner label="Loading…" /></div>;
  if (q.error || !obj || !q.data)
    return (
      <div className="p-6 text-sm text-danger" role="alert">
        {errorCode(q.error) === "NOT_FOUND" ? `This ${typeLabel(type).toLowerCase()} does not exist (any more).` : `Could not load it: ${errorMessage(q.error)}`}
      </div>
    );

  const project = type === "project" ? obj : projectOf(obj.fq_name);
  const canWrite = canWriteIn(me, project?.uuid);
  const back = listHref ?? TYPE_PAGES[type]?.list ?? "/";

  function setTab(id: string) {
    const next = new URLSearchParams(params.toString());
    next.set("tab", id);
    router.replace(`${pathname}?${next.toString()}`);
  }

  const refs = Object.entries(TYPES[type].refs).map(([key, def]) => ({
    field: refField(key),
    to: def.to,
    refs: (obj[refField(key)] as Ref[] | undefined) ?? [],
  }));

  return (
    <div className="flex min-h-0 flex-1 flex-col">
      <PageHeader
        title={obj.name}
        badges={<Badge>{typeLabel(type)}</Badge>}
        description={<FqName fq={obj.fq_name} />}
        actions={
          canWrite && (
            <>
              {actions?.(obj)}
              {renderEdit && (
                <Button size="sm" onClick={() => setEditing(true)} data-testid="edit-button">
                  <Pencil className="h-3.5 w-3.5" /> Edit
                </Button>
              )}
              {q.data.deleteBlockers.length > 0 ? (
                // the controller would refuse it: say why instead of offering a click that fails
                <span
                  className="inline-flex"
                  tabIndex={0}
                  title={`Cannot delete: still in use by ${q.data.deleteBlockers.length} object(s) — ${q.data.deleteBlockers.slice(0, 10).join(", ")}${q.data.deleteBlockers.length > 10 ? ", …" : ""}. Remove them first (see Related).`}
                  data-testid="delete-disabled-reason"
                >
                  <Button size="sm" variant="danger" disabled data-testid="delete-button">
                    <Trash2 className="h-3.5 w-3.5" /> Delete
                  </Button>
                </span>
              ) : (
                <Button size="sm" variant="danger" onClick={() => setDeleting(true)} data-testid="delete-button">
                  <Trash2 className="h-3.5 w-3.5" /> Delete
                </Button>
              )}
            </>
          )
        }
      />
      <div className="bg-surface px-4">
        <Tabs
          value={tab}
          onChange={setTab}
          tabs={[
            { id: "overview", label: "Overview" },
            { id: "related", label: "Related", count: q.data.children.length + q.data.backRefs.length },
            { id: "json", label: "JSON" },
            { id: "history", label: "History" },
          ]}
        />
      </div>
      <div className="min-h-0 flex-1 overflow-auto p-4">
        {tab === "overview" && (
          <div className="flex flex-col gap-4">
            <KubeOwnerNote uuid={obj.uuid} />
            {overview?.(obj)}
            <div className="grid gap-4 lg:grid-cols-2">
              <Card title="Identity">
                <KV
                  rows={[
                    ["Name", obj.name],
                    ["Display name", obj.display_name],
                    ["FQ name", <FqName key="fq" fq={obj.fq_name} />],
                    ["UUID", <Uuid key="uuid" uuid={obj.uuid} />],
                    [
                      "Parent",
                      obj.parent_uuid ? (
                        <ObjectLink key="p" type={obj.parent_type} uuid={obj.parent_uuid} fq={obj.fq_name.slice(0, -1)} full />
                      ) : (
                        obj.parent_type
                      ),
                    ],
                    ["Created", formatTime(obj.id_perms?.created)],
                    ["Last modified", formatTime(obj.id_perms?.last_modified)],
                    ["Creator", obj.id_perms?.creator ?? "—"],
                    ["Version", <span key="v" className="tabular-nums">{obj.resource_version}</span>],
                  ]}
                />
              </Card>
              {refs.length > 0 && (
                <Card title="References">
                  <KV rows={refs.map((r) => [typeLabel(r.to), <RefLinks key={r.field} type={r.to} refs={r.refs} />])} />
                </Card>
              )}
            </div>
          </div>
        )}
        {tab === "related" && <RelatedTab data={q.data} />}
        {tab === "json" && <JsonTab value={q.data.object} />}
        {tab === "history" && <HistoryTab uuid={uuid} />}
      </div>

      {editing && renderEdit?.({ object: obj, onOpenChange: setEditing })}
      <ConfirmDialog
        open={deleting}
        onOpenChange={setDeleting}
        title={`Delete ${typeLabel(type).toLowerCase()} ${obj.name}?`}
        items={[obj.fq_name.join(":")]}
        note={q.data.children.length > 0 ? `Goes with it: ${q.data.children.map((c) => `${c.type} ${c.to.join(":")}`).join(", ")}.` : "Nothing else refers to it."}
        onConfirm={async () => {
          const problem = await deleteObjects([obj]);
          if (problem) return problem;
          router.push(withProject(back));
        }}
      />
    </div>
  );
}
