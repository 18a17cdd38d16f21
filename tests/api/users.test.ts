/** GET /api/users: the people of the unit, filtered by role, for supervision and admin. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './support.js';

interface UserItem {
  id: string;
  username: string;
  displayName: string;
  role: string;
  supervisorId: string | null;
  active: boolean;
}

describe('users', () => {
  let api: TestApi;
  let inactive: string;

  beforeAll(async () => {
    api = await startTestApi();
    await api.db.prisma.user.update({
      where: { id: api.users.collector.id },
      data: { supervisorId: api.users.manager.id },
    });
    inactive = (
      await api.db.prisma.user.create({
        data: {
          username: 'ex-gestor',
          displayName: 'Ana Ex Gestora',
          role: 'collector',
          passwordHash: 'x',
          active: false,
        },
      })
    ).id;
  });
  afterAll(() => api?.close());

  it('lists every user by name, with supervisor and state', async () => {
    const r = await api.call<{ items: UserItem[] }>('get', '/api/users', {
      token: api.tokens.manager,
    });
    expect(r.status).toBe(200);
    expect(r.body.items.map((u) => u.displayName)).toEqual([
      'Ana Ex Gestora',
      'Usuario admin',
      'Usuario collector',
      'Usuario legal',
      'Usuario manager',
    ]);
    expect(r.body.items.find((u) => u.id === api.users.collector.id)).toEqual({
      id: api.users.collector.id,
      username: 'collector',
      displayName: 'Usuario collector',
      role: 'collector',
      supervisorId: api.users.manager.id,
      active: true,
    });
  });

  it('filters by role, inactive users included', async () => {
    const r = await api.call<{ items: UserItem[] }>('get', '/api/users', {
      token: api.tokens.admin,
      query: { role: 'collector' },
    });
    expect(r.body.items.map((u) => [u.id, u.active])).toEqual([
      [inactive, false],
      [api.users.collector.id, true],
    ]);
  });

  it('refuses an unknown role and other roles', async () => {
    const bad = await api.call('get', '/api/users', {
      token: api.tokens.manager,
      query: { role: 'boss' },
    });
    expect(bad.status).toBe(400);
    const collector = await api.call('get', '/api/users', { token: api.tokens.collector });
    expect(collector.status).toBe(403);
  });
});
