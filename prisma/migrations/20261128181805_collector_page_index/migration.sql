-- DropIndex
DROP INDEX "Case_assignedCollectorId_status_priority_idx";

-- CreateIndex
CREATE INDEX "Case_assignedCollectorId_status_priority_openedAt_id_idx" ON "Case"("assignedCollectorId", "status", "priority" DESC, "openedAt", "id");
