/**
 * The audit log: mutations leave a row (who, what, from where), only managers and admins read
 * it, filters and pagination (newest first), and no password, token or key is ever stored or
 * shown.
 */
import type { Request } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audit } from '../../api/audit.js';
import type { Principal } from '../../api/auth.js';
import { seedCase } from '../support/workflow-env.js';
import { TEST_API_KEY, startTestApi, type TestApi } from './support.js';

interface Entry {
  id: string;
  at: string;
  actorId: string | null;
  actorKind: string;
  action: string;
  entity: string;
  entityId: string | null;
  before: unknown;
  after: unknown;
  ip: string | null;
}
interface Page {
  items: Entry[];
  total: number;
  page: number;
  pageSize: number;
}

const fakeReq = { ip: '10.1.2.3' } as Request;

describe('audit log', () => {
  let api: TestApi;
  const read = (query: Record<string, string> = {}, token = api.tokens.manager) =>
    api.call<Page>('get', '/api/audit', { token, query });

  beforeAll(async () => {
    api = await startTestApi();
    const p = api.db.prisma;
    const manager: Principal = { ...api.users.manager, displayName: 'M' };
    const collector: Principal = { ...api.users.collector, displayName: 'C' };
    // Three entries at known times, oldest first.
    const entries: [Principal, string, string, string, string][] = [
      [manager, 'case.hold', 'case', 'case-1', '2026-03-01T10:00:00Z'],
      [collector, 'task.complete', 'task', 'task-1', '2026-03-02T10:00:00Z'],
      [manager, 'case.resume', 'case', 'case-1', '2026-03-03T10:00:00Z'],
    ];
    for (const [actor, action, entity, entityId, at] of entries) {
      await audit(p, fakeReq, actor, {
        action,
        entity,
        entityId,
        before: { stage: 'reminder' },
        after: { stage: 'reminder', note: action },
      });
      const last = await p.auditLog.findFirstOrThrow({ orderBy: { id: 'desc' } });
      await p.auditLog.update({ where: { id: last.id }, data: { at: new Date(at) } });
    }
  });
  afterAll(() => api?.close());

  it('records a mutation made through the API with actor, action and address', async () => {
    const s = await seedCase(api.db.prisma);
    await api.db.prisma.case.delete({ where: { id: s.caseId } });
    const reference = `AUD-${Date.now()}`;
    const r = await api.call('post', '/api/payments', {
      headers: { 'x-api-key': TEST_API_KEY },
      json: {
        accountNumber: s.accountNumber,
        amount: '1.00',
        paidAt: new Date(Date.now() - 60_000).toISOString(),
        reference,
      },
    });
    expect(r.status).toBe(202);
    const page = await read({ entity: 'payment', entityId: reference });
    expect(page.status).toBe(200);
    expect(page.body.items).toHaveLength(1);
    expect(page.body.items[0]).toMatchObject({
      actorKind: 'system',
      actorId: 'billing',
      action: 'payment.receive',
      entity: 'payment',
      entityId: reference,
      before: null,
      after: { reference, amount: '1.00', accountNumber: s.accountNumber },
    });
    expect(page.body.items[0]!.ip).toMatch(/127\.0\.0\.1/);
  });

  it('is readable by managers and admins only', async () => {
    expect((await read({}, api.tokens.manager)).status).toBe(200);
    expect((await read({}, api.tokens.admin)).status).toBe(200);
    expect((await read({}, api.tokens.collector)).status).toBe(403);
    expect((await read({}, api.tokens.legal)).status).toBe(403);
    expect((await api.call('get', '/api/audit')).status).toBe(401);
    const system = await api.call('get', '/api/audit', { headers: { 'x-api-key': TEST_API_KEY } });
    expect(system.status).toBe(401);
  });

  it('filters by entity, entity id, actor, action and time, newest first', async () => {
    const byCase = await read({ entity: 'case', entityId: 'case-1' });
    expect(byCase.body.items.map((e) => e.action)).toEqual(['case.resume', 'case.hold']);
    expect(byCase.body.items[0]).toMatchObject({
      actorId: api.users.manager.id,
      actorKind: 'user',
      ip: '10.1.2.3',
      before: { stage: 'reminder' },
    });

    const byActor = await read({ actorId: api.users.collector.id, entity: 'task' });
    expect(byActor.body.items.map((e) => e.action)).toEqual(['task.complete']);
    // Signing in is a mutation too (a session is created): it is on the log.
    const logins = await read({ actorId: api.users.collector.id, action: 'session.login' });
    expect(logins.body.total).toBeGreaterThanOrEqual(1);
    const byAction = await read({ action: 'case.hold' });
    expect(byAction.body.total).toBe(1);

    const window = await read({ from: '2026-03-02T00:00:00Z', to: '2026-03-03T10:00:00Z' });
    expect(window.body.items.map((e) => e.action)).toEqual(['task.complete']);
    const since = await read({ from: '2026-03-02T10:00:00-05:00', entity: 'case' });
    expect(since.body.items.map((e) => e.action)).toEqual(['case.resume']);
  });

  it('paginates', async () => {
    const first = await read({ entity: 'case', pageSize: '1' });
    const second = await read({ entity: 'case', pageSize: '1', page: '2' });
    expect(first.body).toMatchObject({ total: 2, page: 1, pageSize: 1 });
    expect(first.body.items[0]!.action).toBe('case.resume');
    expect(second.body.items[0]!.action).toBe('case.hold');
  });

  it('answers 400 for bad filters', async () => {
    const r = await api.call<{ error: { fields: Record<string, string> } }>('get', '/api/audit', {
      token: api.tokens.manager,
      query: { from: 'ayer', pageSize: '5000' },
    });
    expect(r.status).toBe(400);
    expect(Object.keys(r.body.error.fields)).toEqual(
      expect.arrayContaining(['query.from', 'query.pageSize']),
    );
    const reversed = await read({ from: '2026-03-03T00:00:00Z', to: '2026-03-01T00:00:00Z' });
    expect(reversed.status).toBe(400);
  });

  it('never stores or shows passwords, tokens or keys', async () => {
    const p = api.db.prisma;
    await audit(p, fakeReq, undefined, {
      action: 'user.create',
      entity: 'user',
      entityId: 'secret-test',
      before: { password: 'hunter2-antes', username: 'ana' },
      after: {
        username: 'ana',
        passwordHash: '$2b$10$abc',
        newPassword: 'hunter2-despues',
        session: { token: 'tok-123', tokenHash: 'ff00', expiresAt: '2026-12-01' },
        systems: [{ name: 'billing', apiKey: 'k-1', 'x-api-key': 'k-2' }],
        headers: { Authorization: 'Bearer zzz' },
      },
    });
    const stored = await p.auditLog.findFirstOrThrow({ where: { entityId: 'secret-test' } });
    expect(stored.actorKind).toBe('anonymous');
    expect(stored.before).toEqual({ username: 'ana' });
    expect(stored.after).toEqual({
      username: 'ana',
      session: { expiresAt: '2026-12-01' },
      systems: [{ name: 'billing' }],
      headers: {},
    });

    // A row written some other way is still shown without its secrets.
    await p.auditLog.create({
      data: {
        actorKind: 'user',
        action: 'user.update',
        entity: 'user',
        entityId: 'raw-row',
        after: { displayName: 'Ana', password: 'en-claro' },
      },
    });
    const r = await read({ entity: 'user' });
    const text = JSON.stringify(r.body);
    for (const secret of ['hunter2', '$2b$', 'tok-123', 'ff00', 'k-1', 'k-2', 'zzz', 'en-claro'])
      expect(text).not.toContain(secret);
    expect(r.body.items.find((e) => e.entityId === 'raw-row')?.after).toEqual({
      displayName: 'Ana',
    });
  });
});
