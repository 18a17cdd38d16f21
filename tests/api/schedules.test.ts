/**
 * The scheduled reports' schedules through the API, against the test run's Temporal server:
 * admins and managers list them; an admin changes the cron (seen by Temporal), pauses and
 * resumes, runs one now; bad cron → 400; collectors → 403; other task queues' schedules → 404.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cronOf, ensureReportSchedules } from '../../temporal/schedules.js';
import { eventually, uniqueTaskQueue } from '../support/env.js';
import { startTestApi, type TestApi } from './support.js';

interface Item {
  id: string;
  title: string;
  description: string;
  cron: string | null;
  timezone: string;
  paused: boolean;
  note: string | null;
  nextRunAt: string | null;
  lastRunAt: string | null;
  lastResult: string | null;
  recipients: string[];
}

describe('schedules API', () => {
  let api: TestApi;
  let monthlyId: string;
  let weeklyId: string;
  let foreignId: string;
  const list = (token = api.tokens.admin) =>
    api.call<{ items: Item[] }>('get', '/api/schedules', { token });

  beforeAll(async () => {
    api = await startTestApi();
    const q = api.deps.taskQueue;
    await ensureReportSchedules(api.temporal, q, { idPrefix: `${q}-` });
    monthlyId = `${q}-report-monthly-portfolio`;
    weeklyId = `${q}-report-weekly-collectors`;
    // Same kind of schedule, another deployment's task queue: not this API's to show or edit.
    const other = uniqueTaskQueue('otra');
    await ensureReportSchedules(api.temporal, other, { idPrefix: `${other}-` });
    foreignId = `${other}-report-weekly-collectors`;
    await api.db.prisma.user.update({
      where: { id: api.users.manager.id },
      data: { email: 'supervision@aguasmachala.test' },
    });
  });
  afterAll(async () => {
    for (const id of [
      monthlyId,
      weeklyId,
      foreignId,
      foreignId.replace('weekly-collectors', 'monthly-portfolio'),
    ])
      await api.temporal.schedule
        .getHandle(id)
        .delete()
        .catch(() => undefined);
    await api?.close();
  });

  it('lists this deployment’s report schedules for admins and managers', async () => {
    const r = await eventually(list, (x) => x.status === 200 && x.body.items.length >= 2);
    expect(r.status).toBe(200);
    expect(r.body.items.map((i) => i.id)).toEqual([monthlyId, weeklyId]);
    const [monthly, weekly] = r.body.items;
    expect(monthly).toMatchObject({
      title: 'Informe mensual de cartera',
      cron: '0 7 1 * *',
      timezone: 'America/Guayaquil',
      paused: false,
      lastRunAt: null,
      lastResult: null,
      recipients: ['supervision@aguasmachala.test'],
    });
    expect(monthly!.nextRunAt).toMatch(/-01T12:00:00\.000Z$/);
    expect(weekly!.cron).toBe('0 7 * * 1');
    // Next Monday, 07:00 in Guayaquil.
    expect(new Date(weekly!.nextRunAt!).getUTCDay()).toBe(1);

    const asManager = await list(api.tokens.manager);
    expect(asManager.status).toBe(200);
    expect(asManager.body.items.map((i) => i.id)).toEqual([monthlyId, weeklyId]);
  });

  it('collectors and legal may not see or change them', async () => {
    expect((await list(api.tokens.collector)).status).toBe(403);
    expect((await list(api.tokens.legal)).status).toBe(403);
    const put = await api.call('put', `/api/schedules/${weeklyId}`, {
      token: api.tokens.collector,
      json: { paused: true },
    });
    expect(put.status).toBe(403);
    const put2 = await api.call('put', `/api/schedules/${weeklyId}`, {
      token: api.tokens.manager,
      json: { paused: true },
    });
    expect(put2.status).toBe(403);
    expect((await api.temporal.schedule.getHandle(weeklyId).describe()).state.paused).toBe(false);
  });

  it('an admin changes the cron: Temporal has it, the audit log too', async () => {
    const r = await api.call<Item>('put', `/api/schedules/${weeklyId}`, {
      token: api.tokens.admin,
      json: { cron: '30 6 * * 1-5' },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.cron).toBe('30 6 * * 1-5');
    const d = await api.temporal.schedule.getHandle(weeklyId).describe();
    expect(cronOf(d)).toBe('30 6 * * 1-5');
    expect(d.spec.timezone).toBe('America/Guayaquil');
    // 06:30 Guayaquil = 11:30 UTC, on a weekday.
    const next = d.info.nextActionTimes[0]!;
    expect(next.toISOString()).toMatch(/T11:30:00\.000Z$/);
    expect([1, 2, 3, 4, 5]).toContain(new Date(next.getTime() - 5 * 3_600_000).getUTCDay());
    const audit = await api.db.prisma.auditLog.findFirst({
      where: { action: 'schedule.update', entityId: weeklyId },
    });
    expect(audit).toMatchObject({
      actorId: api.users.admin.id,
      before: { cron: '0 7 * * 1', paused: false },
      after: { cron: '30 6 * * 1-5', paused: false },
    });
  });

  it.each([['*/15 8-17 * * 1-5'], ['0 7 1,15 * *'], ['0 6 * 1-6/2 0']])(
    'the cron «%s» comes back as written',
    async (cron) => {
      const r = await api.call<Item>('put', `/api/schedules/${weeklyId}`, {
        token: api.tokens.admin,
        json: { cron },
      });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.cron).toBe(cron);
    },
  );

  it('an admin pauses with a note and resumes', async () => {
    const paused = await api.call<Item>('put', `/api/schedules/${monthlyId}`, {
      token: api.tokens.admin,
      json: { paused: true, note: 'Cierre contable' },
    });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ paused: true, note: 'Cierre contable' });
    expect((await api.temporal.schedule.getHandle(monthlyId).describe()).state.paused).toBe(true);
    const resumed = await api.call<Item>('put', `/api/schedules/${monthlyId}`, {
      token: api.tokens.admin,
      json: { paused: false },
    });
    expect(resumed.body.paused).toBe(false);
    expect((await api.temporal.schedule.getHandle(monthlyId).describe()).state.paused).toBe(false);
  });

  it.each([
    ['61 7 * * *'],
    ['0 7 * *'],
    ['0 24 * * *'],
    ['0 7 0 * *'],
    ['0 7 * 13 *'],
    ['0 7 * * 7'],
    ['todos los días'],
    ['5-1 7 * * *'],
    ['*/0 7 * * *'],
  ])('a bad cron «%s» → 400, nothing changes', async (cron) => {
    const before = cronOf(await api.temporal.schedule.getHandle(monthlyId).describe());
    const r = await api.call<{ error: { code: string } }>('put', `/api/schedules/${monthlyId}`, {
      token: api.tokens.admin,
      json: { cron },
    });
    expect(r.status).toBe(400);
    expect(cronOf(await api.temporal.schedule.getHandle(monthlyId).describe())).toBe(before);
  });

  it('an empty change → 400', async () => {
    const r = await api.call('put', `/api/schedules/${monthlyId}`, {
      token: api.tokens.admin,
      json: {},
    });
    expect(r.status).toBe(400);
  });

  it('schedules of another task queue or unknown ids → 404', async () => {
    for (const id of [foreignId, 'no-existe']) {
      const put = await api.call('put', `/api/schedules/${id}`, {
        token: api.tokens.admin,
        json: { paused: true },
      });
      expect(put.status).toBe(404);
      const trig = await api.call('post', `/api/schedules/${id}/trigger`, {
        token: api.tokens.admin,
      });
      expect(trig.status).toBe(404);
    }
    expect((await api.temporal.schedule.getHandle(foreignId).describe()).state.paused).toBe(false);
  });

  it('an admin runs one now: the run shows as the last one', async () => {
    const r = await api.call<{ id: string }>('post', `/api/schedules/${weeklyId}/trigger`, {
      token: api.tokens.admin,
    });
    expect(r.status).toBe(202);
    const listed = await eventually(
      list,
      (x) => x.body.items.find((i) => i.id === weeklyId)?.lastRunAt != null,
    );
    const item = listed.body.items.find((i) => i.id === weeklyId)!;
    expect(item.lastRunAt).not.toBeNull();
    // No worker polls this task queue here: the run waits.
    expect(item.lastResult).toBe('running');
    const d = await api.temporal.schedule.getHandle(weeklyId).describe();
    const run = d.info.recentActions[0]!.action.workflow;
    await api.temporal.workflow.getHandle(run.workflowId).terminate('fin de la prueba');
    expect(
      await api.db.prisma.auditLog.count({
        where: { action: 'schedule.trigger', entityId: weeklyId },
      }),
    ).toBe(1);
  });
});
