import Link from "next/link";

// Weft's 404: says what happened and where to go next, in the console's look.
export default function NotFound() {
  return (
    <div className="flex min-h-screen items-center justify-center bg-bg p-6">
      <div className="max-w-md rounded-lg border border-line bg-surface p-6 text-center" data-testid="not-found">
        <div className="mx-auto mb-3 grid h-10 w-10 place-items-center rounded bg-accent text-base font-bold text-accent-fg">W</div>
        <h1 className="text-lg font-semibold">This page does not exist</h1>
        <p className="mt-2 text-sm text-muted">
          The address may be mistyped, or the object it showed was deleted. Objects keep their UUID for life: a link to a deleted one cannot be repaired.
        </p>
        <div className="mt-4 flex justify-center gap-3 text-sm">
          <Link href="/monitor/overview" className="font-medium text-accent hover:underline">
            Overview
          </Link>
          <Link href="/overlay/virtual-networks" className="font-medium text-accent hover:underline">
            Virtual networks
          </Link>
          <Link href="/admin/audit" className="font-medium text-accent hover:underline">
            Audit log (what was deleted)
          </Link>
        </div>
      </div>
    </div>
  );
}
