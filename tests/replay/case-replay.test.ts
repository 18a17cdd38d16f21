/**
 * Replays stored histories of finished cases (the case workflow and every child it started)
 * against the current workflow code: the guard for any change to a deployed workflow (STYLE
 * habit 6). No server is needed.
 *
 * When this fails, the change is not replay-safe: a running case would fail its next workflow
 * task. Put the new behaviour behind `patched('<change-id>')` (old branch kept for histories
 * without the marker) until no case started before the change is open, and keep these
 * replays green.
 *
 * Re-record (`npx tsx scripts/record-histories.ts`, with DATABASE_URL set; it rewrites
 * tests/replay/histories/ and its manifest.json) only after an intentional, patched change has
 * passed against the old histories, so that the new paths are guarded too, or when a new
 * representative scenario is added. Never re-record to make a failing replay pass.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { DefaultLogger, Runtime, Worker, type WorkflowBundle } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import type { StoredHistory } from '../../scripts/record-histories.js';
import { workflowBundle } from '../support/workflow-env.js';

Runtime.install({ logger: new DefaultLogger('WARN') });

const HISTORIES_DIR = fileURLToPath(new URL('./histories/', import.meta.url));

const stored = JSON.parse(
  readFileSync(path.join(HISTORIES_DIR, 'manifest.json'), 'utf8'),
) as StoredHistory[];

describe('stored case histories replay on the current workflow code', () => {
  let bundle: WorkflowBundle;
  beforeAll(async () => {
    bundle = await workflowBundle(); // the worker's bundle: workflows/index.ts
  });

  it('cover the representative paths, parent and children', () => {
    const scenarios = new Set(stored.map((h) => h.scenario));
    for (const s of [
      'paid-during-reminder',
      'agreement-paid-off',
      'credit-title-to-coactiva',
      // patch 'facts-before-next-step': the code before it, and after
      'paid-before-first-step-unpatched',
      'paid-before-first-step',
      // patch 'agreement-dues-date-to-date': 'agreement-paid-off' has the chained schedule
      'agreement-paid-off-date-to-date',
      // recorded before the issue-12 changes (per-case keys, terms from delivery, re-cut)
      'promise-broken',
      'irregular-reconnection',
      // recorded after them: the new paths of each issue-12 patch
      'paid-during-reminder-per-case',
      'suspension-reconnection-delivered',
      'credit-title-to-coactiva-notified',
      'irregular-reconnection-recut',
      // patch 'system-hold-review': the code before it, and after
      'title-not-notified',
      'title-not-notified-review',
    ])
      expect(scenarios).toContain(s);
    expect(new Set(stored.map((h) => h.workflowType))).toEqual(
      new Set([
        'caseWorkflow',
        'agreementWorkflow',
        'suspensionWorkflow',
        'reconnectionWorkflow',
        'creditTitleWorkflow',
        'coactivaWorkflow',
      ]),
    );
  });

  it.each(stored.map((h) => [h.file, h] as const))('%s', async (_file, h) => {
    const history = historyFromJSON(
      JSON.parse(readFileSync(path.join(HISTORIES_DIR, h.file), 'utf8')),
    );
    expect(history.events?.length).toBe(h.events);
    await Worker.runReplayHistory(
      { workflowBundle: bundle, replayName: h.file },
      history,
      h.workflowId,
    );
  });
});
