-- CreateTable
CREATE TABLE "ConfigObject" (
    "uuid" TEXT NOT NULL PRIMARY KEY,
    "type" TEXT NOT NULL,
    "fqName" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "parentType" TEXT NOT NULL,
    "parentUuid" TEXT,
    "resourceVersion" INTEGER NOT NULL,
    "body" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "ConfigRef" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "fromUuid" TEXT NOT NULL,
    "fromType" TEXT NOT NULL,
    "toUuid" TEXT NOT NULL,
    "toType" TEXT NOT NULL,
    "attr" TEXT
);

-- CreateTable
CREATE TABLE "IpAllocation" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "networkUuid" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "ownerUuid" TEXT NOT NULL,
    "ownerType" TEXT NOT NULL
);

-- CreateTable
CREATE TABLE "ChangeEvent" (
    "seq" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "at" DATETIME NOT NULL,
    "op" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "uuid" TEXT NOT NULL,
    "fqName" TEXT NOT NULL,
    "resourceVersion" INTEGER NOT NULL,
    "body" TEXT
);

-- CreateTable
CREATE TABLE "AuditEntry" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "at" DATETIME NOT NULL,
    "actorId" TEXT,
    "actorEmail" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "objectType" TEXT NOT NULL,
    "objectUuid" TEXT NOT NULL,
    "fqName" TEXT NOT NULL,
    "diff" TEXT NOT NULL
);

-- CreateTable
CREATE TABLE "ApiToken" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL,
    "lastUsedAt" DATETIME,
    "expiresAt" DATETIME,
    "revokedAt" DATETIME,
    CONSTRAINT "ApiToken_userId_fkey" FOREIGN KEY ("userId") REFERENCES "user" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ProjectGrant" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "userId" TEXT NOT NULL,
    "projectUuid" TEXT NOT NULL,
    CONSTRAINT "ProjectGrant_userId_fkey" FOREIGN KEY ("userId") REFERENCES "user" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "user" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "emailVerified" BOOLEAN NOT NULL DEFAULT false,
    "image" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "role" TEXT DEFAULT 'viewer',
    "banned" BOOLEAN DEFAULT false,
    "banReason" TEXT,
    "banExpires" DATETIME
);

-- CreateTable
CREATE TABLE "session" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "expiresAt" DATETIME NOT NULL,
    "token" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "ipAddress" TEXT,
    "userAgent" TEXT,
    "userId" TEXT NOT NULL,
    "impersonatedBy" TEXT,
    CONSTRAINT "session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "user" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "account" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "accountId" TEXT NOT NULL,
    "providerId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "accessToken" TEXT,
    "refreshToken" TEXT,
    "idToken" TEXT,
    "accessTokenExpiresAt" DATETIME,
    "refreshTokenExpiresAt" DATETIME,
    "scope" TEXT,
    "password" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "account_userId_fkey" FOREIGN KEY ("userId") REFERENCES "user" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "verification" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "identifier" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "expiresAt" DATETIME NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "ConfigObject_parentUuid_idx" ON "ConfigObject"("parentUuid");

-- CreateIndex
CREATE INDEX "ConfigObject_type_idx" ON "ConfigObject"("type");

-- CreateIndex
CREATE UNIQUE INDEX "ConfigObject_type_fqName_key" ON "ConfigObject"("type", "fqName");

-- CreateIndex
CREATE INDEX "ConfigRef_toUuid_idx" ON "ConfigRef"("toUuid");

-- CreateIndex
CREATE UNIQUE INDEX "ConfigRef_fromUuid_toUuid_key" ON "ConfigRef"("fromUuid", "toUuid");

-- CreateIndex
CREATE INDEX "IpAllocation_ownerUuid_idx" ON "IpAllocation"("ownerUuid");

-- CreateIndex
CREATE UNIQUE INDEX "IpAllocation_networkUuid_address_key" ON "IpAllocation"("networkUuid", "address");

-- CreateIndex
CREATE INDEX "AuditEntry_at_idx" ON "AuditEntry"("at");

-- CreateIndex
CREATE INDEX "AuditEntry_objectUuid_idx" ON "AuditEntry"("objectUuid");

-- CreateIndex
CREATE INDEX "AuditEntry_actorEmail_idx" ON "AuditEntry"("actorEmail");

-- CreateIndex
CREATE INDEX "AuditEntry_objectType_idx" ON "AuditEntry"("objectType");

-- CreateIndex
CREATE UNIQUE INDEX "ApiToken_tokenHash_key" ON "ApiToken"("tokenHash");

-- CreateIndex
CREATE INDEX "ApiToken_userId_idx" ON "ApiToken"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "ProjectGrant_userId_projectUuid_key" ON "ProjectGrant"("userId", "projectUuid");

-- CreateIndex
CREATE UNIQUE INDEX "user_email_key" ON "user"("email");

-- CreateIndex
CREATE UNIQUE INDEX "session_token_key" ON "session"("token");

-- CreateIndex
CREATE INDEX "session_userId_idx" ON "session"("userId");

-- CreateIndex
CREATE INDEX "account_userId_idx" ON "account"("userId");

-- CreateIndex
CREATE INDEX "verification_identifier_idx" ON "verification"("identifier");

