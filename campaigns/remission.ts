/**
 * Remission (amnesty) campaigns, by law or ordinance: a share of fines and fees is waived for
 * every open case at once. Each case applies a campaign once, so re-running a campaign (after
 * a crash, or by mistake) changes nothing.
 */
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type pg from 'pg';
import { inPool } from '../intake/open-cases.js';
import { remissionAppliedSignal } from '../workflows/messages.js';

export interface RemissionCampaign {
  campaignId: string;
  /** Share of fines and fees waived, in basis points (10000 = 100 %). */
  finesWaiverBp: number;
  /** Only cases of this sector (default: every open case). */
  sector?: string;
}

export async function applyRemissionCampaign(
  deps: { pool: pg.Pool; temporal: Client },
  campaign: RemissionCampaign,
  opts: { concurrency?: number; now?: Date } = {},
): Promise<{ signalled: number; closedMeanwhile: number }> {
  if (
    !Number.isInteger(campaign.finesWaiverBp) ||
    campaign.finesWaiverBp < 0 ||
    campaign.finesWaiverBp > 10_000
  ) {
    throw new RangeError('finesWaiverBp must be an integer between 0 and 10000');
  }
  const { rows } = await deps.pool.query<{ workflow_id: string }>(
    `SELECT c."workflowId" AS workflow_id FROM "Case" c JOIN "Account" a ON a.id = c."accountId"
     WHERE c.status = 'open' AND ($1::text IS NULL OR a.sector = $1)`,
    [campaign.sector ?? null],
  );
  const appliedAt = (opts.now ?? new Date()).toISOString();
  let signalled = 0;
  let closedMeanwhile = 0;
  await inPool(rows, opts.concurrency ?? 32, async (r) => {
    try {
      await deps.temporal.workflow.getHandle(r.workflow_id).signal(remissionAppliedSignal, {
        campaignId: campaign.campaignId,
        finesWaiverBp: campaign.finesWaiverBp,
        appliedAt,
      });
      signalled++;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      closedMeanwhile++;
    }
  });
  return { signalled, closedMeanwhile };
}
