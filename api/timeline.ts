/**
 * A case's timeline, newest first. Events are ordered by the time they describe; two stage
 * changes made in one workflow task share that time, and may commit in either order after a
 * worker crash (activities/case-store.ts `setStage`), so they are ordered by the sequence their
 * key ends with, as the case row takes them; the insertion id breaks the remaining ties.
 */
import type { CaseEvent } from '../prisma/generated/client.js';
import type { PrismaClient } from '../prisma/client.js';

export async function timelinePage(
  prisma: PrismaClient,
  filter: { caseId: string; type?: string | undefined },
  page: { skip: number; take: number },
): Promise<CaseEvent[]> {
  const type = filter.type ?? null;
  const ids = await prisma.$queryRaw<{ id: bigint }[]>`
    SELECT id FROM "CaseEvent"
    WHERE "caseId" = ${filter.caseId}::uuid AND (${type}::text IS NULL OR type = ${type}::text)
    ORDER BY "occurredAt" DESC,
             CASE WHEN type = 'stage_changed'
                  THEN substring("eventKey" from ':([0-9]+)$')::int END DESC NULLS LAST,
             id DESC
    LIMIT ${page.take} OFFSET ${page.skip}`;
  if (ids.length === 0) return [];
  const rows = await prisma.caseEvent.findMany({ where: { id: { in: ids.map((r) => r.id) } } });
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((r) => byId.get(r.id) ?? []);
}
