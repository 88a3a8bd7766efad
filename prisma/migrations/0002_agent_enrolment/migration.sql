-- Compute node enrolment (issue 14): one-time tokens and the certificates the Weft CA issued.
-- CreateTable
CREATE TABLE "AgentEnrolmentToken" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "virtualRouterUuid" TEXT NOT NULL,
    "virtualRouterName" TEXT NOT NULL,
    "secretHash" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL,
    "expiresAt" DATETIME NOT NULL,
    "createdBy" TEXT NOT NULL,
    "usedAt" DATETIME,
    "usedBy" TEXT,
    "certSerial" TEXT
);

-- CreateTable
CREATE TABLE "AgentCertificate" (
    "serial" TEXT NOT NULL PRIMARY KEY,
    "virtualRouterUuid" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "issuedAt" DATETIME NOT NULL,
    "notAfter" DATETIME NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "revokedAt" DATETIME,
    "revokedWhy" TEXT
);

-- CreateIndex
CREATE INDEX "AgentEnrolmentToken_virtualRouterUuid_idx" ON "AgentEnrolmentToken"("virtualRouterUuid");

-- CreateIndex
CREATE INDEX "AgentCertificate_virtualRouterUuid_idx" ON "AgentCertificate"("virtualRouterUuid");
