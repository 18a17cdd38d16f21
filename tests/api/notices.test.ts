/**
 * The notice outbox through the API: managers and admins list it with filters, counts and
 * pagination; a manager requeues a failed notice (audited, on the timeline), nothing else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NoticeView } from '../../api/routes/notices.js';
import { seedCase, type SeededCase } from '../support/workflow-env.js';
import { startTestApi, type TestApi } from './support.js';

interface Page {
  items: NoticeView[];
  total: number;
  page: number;
  pageSize: number;
  counts: { queued: number; printed: number; sent: number; failed: number; withdrawn: number };
}

describe('notice outbox API', () => {
  let api: TestApi;
  let a: SeededCase;
  let b: SeededCase;
  const ids: Record<string, string> = {};
  const list = (query: Record<string, string> = {}, token = api.tokens.manager) =>
    api.call<Page>('get', '/api/notices', { token, query });

  beforeAll(async () => {
    api = await startTestApi();
    a = await seedCase(api.db.prisma);
    b = await seedCase(api.db.prisma);
    // Five notices at known times, oldest first: a has e-mail (sent), SMS (failed), letter
    // (queued); b has e-mail (failed) and SMS (queued).
    const rows = [
      ['a-email', a, 'email', 'sent', 'juan@example.ec'],
      ['a-sms', a, 'sms', 'failed', '0991234567'],
      ['a-letter', a, 'letter', 'queued', 'Av. 25 de Junio y Guayas'],
      ['b-email', b, 'email', 'failed', 'juan@example.ec'],
      ['b-sms', b, 'sms', 'queued', '0991234567'],
    ] as const;
    let minute = 0;
    for (const [name, c, channel, status, recipient] of rows) {
      const n = await api.db.prisma.notice.create({
        data: {
          key: `test:${name}`,
          caseId: c.caseId,
          kind: 'aviso_cobro',
          channel,
          recipient,
          subject: 'Aviso de cobro',
          body: `Aviso ${name}`,
          status,
          attempts: status === 'queued' ? 0 : status === 'sent' ? 1 : 8,
          lastError: status === 'failed' ? 'Servidor SMTP no disponible (ECONNECTION)' : null,
          createdAt: new Date(Date.UTC(2026, 10, 2, 10, minute++)),
          sentAt: status === 'sent' ? new Date(Date.UTC(2026, 10, 2, 11)) : null,
        },
      });
      ids[name] = n.id;
    }
  });
  afterAll(() => api?.close());

  it('lists the outbox newest first with counts by status', async () => {
    const r = await list();
    expect(r.status).toBe(200);
    expect(r.body.items.map((n) => n.body)).toEqual([
      'Aviso b-sms',
      'Aviso b-email',
      'Aviso a-letter',
      'Aviso a-sms',
      'Aviso a-email',
    ]);
    expect(r.body.total).toBe(5);
    expect(r.body.counts).toEqual({ queued: 2, printed: 0, sent: 1, failed: 2, withdrawn: 0 });
    const sent = r.body.items.find((n) => n.id === ids['a-email'])!;
    expect(sent).toMatchObject({ status: 'sent', attempts: 1, sentAt: '2026-11-02T11:00:00.000Z' });
  });

  it('filters by status, case and channel; counts follow the case and channel filters', async () => {
    const failed = await list({ status: 'failed' });
    expect(failed.body.items.map((n) => n.id).sort()).toEqual(
      [ids['a-sms'], ids['b-email']].sort(),
    );
    expect(failed.body.items[0]!.lastError).toMatch(/SMTP/);
    const ofA = await list({ caseId: a.caseId });
    expect(ofA.body.total).toBe(3);
    expect(ofA.body.counts).toEqual({ queued: 1, printed: 0, sent: 1, failed: 1, withdrawn: 0 });
    const sms = await list({ channel: 'sms', status: 'queued' });
    expect(sms.body.items.map((n) => n.id)).toEqual([ids['b-sms']]);
    expect((await list({ channel: 'fax' })).status).toBe(400);
  });

  it('paginates', async () => {
    const p2 = await list({ page: '2', pageSize: '2' });
    expect(p2.body.items.map((n) => n.body)).toEqual(['Aviso a-letter', 'Aviso a-sms']);
    expect(p2.body).toMatchObject({ total: 5, page: 2, pageSize: 2 });
  });

  it('admins read it; collectors and legal do not', async () => {
    expect((await list({}, api.tokens.admin)).status).toBe(200);
    expect((await list({}, api.tokens.collector)).status).toBe(403);
    expect((await list({}, api.tokens.legal)).status).toBe(403);
  });

  it('a manager requeues a failed notice: attempts reset, audited, on the case timeline', async () => {
    const id = ids['b-email']!;
    const r = await api.call<NoticeView>('post', `/api/notices/${id}/retry`, {
      token: api.tokens.manager,
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id, status: 'queued', attempts: 0, lastError: null });
    const row = await api.db.prisma.notice.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ status: 'queued', attempts: 0, lastError: null });

    const entry = await api.db.prisma.auditLog.findFirstOrThrow({
      where: { action: 'notice.retry', entityId: id },
    });
    expect(entry.actorId).toBe(api.users.manager.id);
    expect(entry.before).toMatchObject({ status: 'failed', attempts: 8 });

    const events = await api.db.prisma.caseEvent.findMany({
      where: { caseId: b.caseId, type: 'notice_requeued' },
    });
    expect(events.map((e) => e.eventKey)).toEqual([`notice:${id}:retry:1`]);
    expect(events[0]!.reason).toMatch(/SMTP/);

    // Now queued, not failed: a second retry is refused and nothing more is recorded.
    const again = await api.call('post', `/api/notices/${id}/retry`, { token: api.tokens.manager });
    expect(again.status).toBe(409);
    expect(
      await api.db.prisma.auditLog.count({ where: { action: 'notice.retry', entityId: id } }),
    ).toBe(1);
  });

  it('refuses to requeue a sent notice, an unknown one, or for an admin', async () => {
    const sent = await api.call('post', `/api/notices/${ids['a-email']}/retry`, {
      token: api.tokens.manager,
    });
    expect(sent.status).toBe(409);
    expect(
      (await api.db.prisma.notice.findUniqueOrThrow({ where: { id: ids['a-email']! } })).status,
    ).toBe('sent');
    const unknown = await api.call('post', `/api/notices/${crypto.randomUUID()}/retry`, {
      token: api.tokens.manager,
    });
    expect(unknown.status).toBe(404);
    const admin = await api.call('post', `/api/notices/${ids['a-sms']}/retry`, {
      token: api.tokens.admin,
    });
    expect(admin.status).toBe(403);
  });
});
