-- The Kubernetes manager's object store (issue 14: an acknowledged apply survives kill -9):
-- the objects applied from manifests, one row per Kind/namespace/name, written before the apply
-- is acknowledged. Replaces <data>/kube/objects.json (imported once at start).
CREATE TABLE "KubeObject" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "kind" TEXT NOT NULL,
    "namespace" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "updatedAt" DATETIME NOT NULL
);

CREATE INDEX "KubeObject_namespace_idx" ON "KubeObject"("namespace");
