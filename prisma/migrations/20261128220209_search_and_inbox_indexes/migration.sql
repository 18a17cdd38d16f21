-- Trigram operators for the case search index (a trusted extension since PostgreSQL 13: the
-- database owner may create it, no superuser needed).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- CreateIndex
CREATE INDEX "Account_search_trgm_idx" ON "Account" USING GIN ("number" gin_trgm_ops, "holderId" gin_trgm_ops, "holderName" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "Task_status_role_assigneeId_dueAt_idx" ON "Task"("status", "role", "assigneeId", "dueAt");
