-- DropIndex
DROP INDEX "AuditLog_entity_entityId_idx";

-- DropIndex
DROP INDEX "Case_status_priority_idx";

-- CreateIndex
CREATE INDEX "AuditLog_entity_entityId_at_idx" ON "AuditLog"("entity", "entityId", "at");

-- CreateIndex
CREATE INDEX "AuditLog_actorId_at_idx" ON "AuditLog"("actorId", "at");

-- CreateIndex
CREATE INDEX "AuditLog_action_at_idx" ON "AuditLog"("action", "at");

-- CreateIndex
CREATE INDEX "Case_status_priority_openedAt_id_idx" ON "Case"("status", "priority" DESC, "openedAt", "id");

-- CreateIndex
CREATE INDEX "Case_status_balanceCents_idx" ON "Case"("status", "balanceCents" DESC);

-- CreateIndex
CREATE INDEX "Case_assignedCollectorId_status_balanceCents_idx" ON "Case"("assignedCollectorId", "status", "balanceCents" DESC);

-- CreateIndex
CREATE INDEX "Case_status_oldestDueOn_idx" ON "Case"("status", "oldestDueOn");

-- CreateIndex
CREATE INDEX "Case_assignedCollectorId_status_oldestDueOn_idx" ON "Case"("assignedCollectorId", "status", "oldestDueOn");

-- CreateIndex
CREATE INDEX "Case_status_openedAt_idx" ON "Case"("status", "openedAt" DESC);

-- CreateIndex
CREATE INDEX "Task_status_dueAt_priority_idx" ON "Task"("status", "dueAt", "priority" DESC);

-- CreateIndex
CREATE INDEX "User_supervisorId_idx" ON "User"("supervisorId");
