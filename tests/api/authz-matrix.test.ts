/**
 * Role × route authorisation, generated from the route table: anonymous callers get 401 on
 * protected routes, roles not listed get 403 (even with an invalid request: authorisation comes
 * before validation), and listed roles get past authorisation with a valid request. A route
 * added to the table without a fixture here fails the suite.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { ROLES, type Role } from '../../domain/roles.js';
import type { Route } from '../../api/route-table.js';
import { toLocalDate } from '../../domain/calendar.js';
import { seedCase } from '../support/workflow-env.js';
import {
  TEST_API_KEY,
  csvFile,
  passwordOf,
  startTestApi,
  tableShape,
  type TestApi,
} from './support.js';

interface Ctx {
  caseId: string;
}

/** A request that passes validation (and reaches the handler) for an allowed caller. */
interface Fixture {
  params?: Record<string, string>;
  query?: Record<string, string>;
  json?: unknown;
  form?: () => FormData;
  /** The handler spends the session (logout): use a new one. */
  freshSession?: boolean;
}

const FIXTURES: Record<string, (ctx: Ctx) => Fixture> = {
  'get /healthz': () => ({}),
  'get /readyz': () => ({}),
  'post /api/auth/login': () => ({ json: { username: 'admin', password: passwordOf('admin') } }),
  'post /api/auth/logout': () => ({ freshSession: true }),
  // Wrong current password: a 400 from the handler, so no password actually changes.
  'post /api/auth/password': () => ({
    json: { currentPassword: 'no-es-la-actual', newPassword: 'una-clave-nueva-larga' },
  }),
  'get /api/me': () => ({}),
  'get /api/cases': () => ({ query: { pageSize: '5' } }),
  'get /api/cases/:id': (ctx) => ({ params: { id: ctx.caseId } }),
  'get /api/portfolio/summary': () => ({}),
  // An unsupported format: refused by the handler after authorisation, nothing is imported.
  'post /api/imports/portfolio': () => ({ form: () => csvFile('cartera.pdf', ['x']) }),
  'get /api/imports': () => ({}),
  'get /api/imports/:id': () => ({ params: { id: randomUUID() } }),
  'get /api/openapi.json': () => ({}),
  // Case actions on a case without a running workflow (409) or out of the caller's scope (404):
  // nothing changes.
  'get /api/cases/:id/timeline': (ctx) => ({ params: { id: ctx.caseId } }),
  'post /api/cases/:id/assign': (ctx) => ({
    params: { id: ctx.caseId },
    json: { collectorId: randomUUID() },
  }),
  'post /api/cases/:id/hold': (ctx) => ({ params: { id: ctx.caseId }, json: { reason: 'matriz' } }),
  'post /api/cases/:id/resume': (ctx) => ({
    params: { id: ctx.caseId },
    json: { reason: 'matriz' },
  }),
  'post /api/cases/:id/close': (ctx) => ({
    params: { id: ctx.caseId },
    json: { reason: 'cancelled', note: 'matriz' },
  }),
  'post /api/cases/:id/disputes': (ctx) => ({
    params: { id: ctx.caseId },
    json: { reason: 'matriz' },
  }),
  'post /api/cases/:id/disputes/resolve': (ctx) => ({
    params: { id: ctx.caseId },
    json: { outcome: 'rejected', note: 'matriz' },
  }),
  // The case as its workflow answers it: the seeded case has no running workflow (409).
  'get /api/cases/:id/view': (ctx) => ({ params: { id: ctx.caseId } }),
  // The lawful steps, each with a valid body, on the same case: 409 (no running workflow) or
  // 404 (out of the caller's scope), nothing is recorded.
  'post /api/cases/:id/irregular-reconnection': (ctx) => ({
    params: { id: ctx.caseId },
    json: { foundAt: new Date().toISOString(), note: 'matriz' },
  }),
  'post /api/cases/:id/exceptions': (ctx) => ({
    params: { id: ctx.caseId },
    json: {
      filedOn: toLocalDate(new Date()),
      court: 'Unidad Judicial de Machala',
      processNumber: '07333-2026-00001',
      grounds: 'matriz',
    },
  }),
  'post /api/cases/:id/exceptions/ruling': (ctx) => ({
    params: { id: ctx.caseId },
    json: { outcome: 'rejected', ruledOn: toLocalDate(new Date()), note: 'matriz' },
  }),
  'post /api/cases/:id/acknowledgement': (ctx) => ({
    params: { id: ctx.caseId },
    json: { on: toLocalDate(new Date()), note: 'matriz' },
  }),
  'post /api/agreements/simulate': (ctx) => ({
    json: { caseId: ctx.caseId, downPayment: '30.00', instalments: 3 },
  }),
  'post /api/cases/:id/agreements': (ctx) => ({
    params: { id: ctx.caseId },
    json: { downPayment: '30.00', instalments: 3 },
  }),
  'post /api/agreements/:id/approve': () => ({ params: { id: randomUUID() }, json: {} }),
  'post /api/agreements/:id/reject': () => ({
    params: { id: randomUUID() },
    json: { reason: 'matriz' },
  }),
  'get /api/agreements/:id': () => ({ params: { id: randomUUID() } }),
  'get /api/cases/:id/agreements': (ctx) => ({ params: { id: ctx.caseId } }),
  // Unknown account: 404 from the handler after authorisation, nothing is recorded.
  'post /api/payments': () => ({
    json: {
      accountNumber: 'NO-EXISTE',
      amount: '10.00',
      paidAt: '2026-01-15T10:00:00-05:00',
      reference: `MATRIZ-${randomUUID()}`,
    },
  }),
  'get /api/audit': () => ({ query: { entity: 'payment' } }),
  'get /api/tasks': () => ({ query: { scope: 'mine' } }),
  // Unknown task: 404 from the handler after authorisation, nothing changes.
  'post /api/tasks/:id/claim': () => ({ params: { id: randomUUID() } }),
  'post /api/tasks/:id/release': () => ({ params: { id: randomUUID() } }),
  'post /api/tasks/:id/reassign': () => ({
    params: { id: randomUUID() },
    json: { userId: randomUUID() },
  }),
  'post /api/tasks/:id/complete': () => ({
    params: { id: randomUUID() },
    json: { form: { outcome: 'contacted' } },
  }),
  'get /api/users': () => ({ query: { role: 'collector' } }),
  'get /api/policy': () => ({}),
  'get /api/policy/versions': () => ({}),
  // A value out of range: refused by the handler after authorisation, no version is saved.
  'put /api/policy': () => ({
    json: { policy: { agreement: { maxInstalments: 0 } }, note: 'matriz' },
  }),
  'get /api/portfolios': () => ({}),
  // Not a collector: refused by the handler after authorisation, nothing changes.
  'put /api/portfolios': () => ({
    json: { sector: 'Matriz', collectorId: randomUUID(), reassignOpenCases: false },
  }),
  'get /api/dashboard': () => ({ query: { from: '2026-01-01', to: '2026-03-31' } }),
  'get /api/dashboard/stuck-cases': () => ({}),
  'get /api/legal/cases': () => ({ query: { stage: 'coactiva' } }),
  'get /api/notices': (ctx) => ({ query: { caseId: ctx.caseId, status: 'queued' } }),
  // Unknown notice: 404 from the handler after authorisation, nothing changes.
  'post /api/notices/:id/retry': () => ({ params: { id: randomUUID() } }),
  'get /api/cases/:id/documents': (ctx) => ({ params: { id: ctx.caseId } }),
  // No such document: a 404 from the handler after authorisation.
  'get /api/documents/:id/pdf': () => ({ params: { id: randomUUID() } }),
  'get /api/reports/:name.xlsx': () => ({
    params: { name: 'antiguedad' },
    query: { from: '2026-01-01', to: '2026-03-31' },
  }),
  'get /api/reports/:name.csv': () => ({
    params: { name: 'recuperacion' },
    query: { from: '2026-01-01', to: '2026-03-31' },
  }),
  'get /api/letters/pending': () => ({ query: { sector: 'Matriz' } }),
  // A sector with no letters in the queue: 422 from the handler, no batch is printed.
  'post /api/letters/batches': () => ({ json: { sector: 'Matriz sin cartas' } }),
  'get /api/letters/batches': () => ({ query: { status: 'open' } }),
  // No such batch: a 404 from the handler after authorisation, nothing is confirmed.
  'get /api/letters/batches/:id': () => ({ params: { id: randomUUID() } }),
  'get /api/letters/batches/:id/pdf': () => ({ params: { id: randomUUID() } }),
  'post /api/letters/batches/:id/confirmation': () => ({
    params: { id: randomUUID() },
    json: {
      notifier: 'Notificador de la matriz',
      deliveredAt: new Date().toISOString(),
      letters: [{ noticeId: randomUUID(), outcome: 'delivered' }],
    },
  }),
  'get /api/schedules': () => ({}),
  // No such schedule on this API's task queue: a 404 from the handler, nothing changes.
  'put /api/schedules/:id': () => ({ params: { id: 'matriz-no-existe' }, json: { paused: true } }),
  'post /api/schedules/:id/trigger': () => ({ params: { id: 'matriz-no-existe' } }),
};

const routes = tableShape();
const keyOf = (r: Pick<Route, 'method' | 'path'>) => `${r.method} ${r.path}`;
type Caller = Role | 'anonymous' | 'system';

function expectation(route: Route, caller: Caller): 'allowed' | 401 | 403 {
  if (route.roles === 'public') return 'allowed';
  if (caller === 'anonymous') return 401;
  if (route.roles === 'apiKey') return caller === 'system' ? 'allowed' : 403;
  if (caller === 'system') return 401;
  return route.roles.includes(caller) ? 'allowed' : 403;
}

const cases = routes.flatMap((route) => {
  const callers: Caller[] = ['anonymous', ...ROLES];
  // A system's API key opens only the routes for systems: on a user route it is no login.
  if (route.roles !== 'public') callers.push('system');
  return callers.map((caller) => ({
    route,
    caller,
    expected: expectation(route, caller),
    name: `${keyOf(route)} as ${caller}`,
  }));
});

/** Path with its parameters filled in (with a malformed value when `valid` is false). */
function pathFor(route: Route, params: Record<string, string> | undefined, valid: boolean) {
  return route.path.replace(/:(\w+)/g, (_m, name: string) =>
    encodeURIComponent(valid ? (params?.[name] ?? 'x') : 'no-es-un-id'),
  );
}

/**
 * What the app serves outside the route table, each with its own guard: the metrics endpoint
 * (loopback or its token), the API reference page and the web app (static, no data).
 */
const OUTSIDE_TABLE_ROUTES = [
  'get /metrics',
  'get /api/docs',
  'get /api/docs/',
  'get /api/docs/init.js',
  'get /{*path}',
];
/** Middleware mounted on a path (body parser and docs assets on /api…, the /api 404). */
const OUTSIDE_TABLE_MOUNTS = ['use /api', 'use /api/docs'];

interface Layer {
  name: string;
  rawPath?: string;
  route?: { path: string; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
}

/**
 * Every route and path-mounted middleware of an Express 5 app, as `method path` (`use path` for
 * middleware), walking into routers mounted without a prefix (the only way this app mounts them).
 */
function mountedRoutes(app: Express): string[] {
  const out: string[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const [m, on] of Object.entries(layer.route.methods))
          if (on && m !== '_all') out.push(`${m} ${prefix}${layer.route.path}`);
      } else if (layer.handle.stack) {
        const at = layer.rawPath && layer.rawPath !== '/' ? layer.rawPath : '';
        if (at) out.push(`use ${prefix}${at}`);
        walk(layer.handle.stack, `${prefix}${at}`);
      } else if (layer.rawPath && layer.rawPath !== '/') {
        out.push(`use ${prefix}${layer.rawPath}`);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return out;
}

describe('authorisation matrix (from the route table)', () => {
  let api: TestApi;
  let ctx: Ctx;

  beforeAll(async () => {
    api = await startTestApi();
    const seeded = await seedCase(api.db.prisma);
    ctx = { caseId: seeded.caseId };
  });
  afterAll(() => api?.close());

  it('has a fixture for every route and none for routes that are gone', () => {
    expect(Object.keys(FIXTURES).sort()).toEqual(routes.map(keyOf).sort());
    expect(api.routes.map(keyOf).sort()).toEqual(routes.map(keyOf).sort());
  });

  it('serves no route that bypasses the table (every mounted route is in it or listed)', () => {
    // With a built web app, so its catch-all route is mounted too.
    const webDir = mkdtempSync(path.join(os.tmpdir(), 'cartera-web-'));
    writeFileSync(path.join(webDir, 'index.html'), '<!doctype html>');
    const app = createApp({ ...api.deps, webDir });
    rmSync(webDir, { recursive: true, force: true });
    const mounted = [...new Set(mountedRoutes(app))];
    const table = new Set(routes.map(keyOf));
    const outside = mounted.filter((r) => !table.has(r)).sort();
    expect(outside).toEqual([...OUTSIDE_TABLE_ROUTES, ...OUTSIDE_TABLE_MOUNTS].sort());
    // Every table route is mounted, exactly once.
    const tableMounted = mountedRoutes(app).filter((r) => table.has(r));
    expect(tableMounted.sort()).toEqual([...table].sort());
  });

  it.each(cases)('$name → $expected', async ({ route, caller, expected }) => {
    const fixture = FIXTURES[keyOf(route)];
    if (!fixture) throw new Error(`No fixture for ${keyOf(route)}: add one to FIXTURES`);
    const f = fixture(ctx);
    const headers: Record<string, string> = {};
    if (caller === 'system') headers['x-api-key'] = TEST_API_KEY;
    let token: string | undefined;
    if (caller !== 'anonymous' && caller !== 'system')
      token = f.freshSession ? await api.login(caller) : api.tokens[caller];

    if (expected === 'allowed') {
      const r = await api.call(route.method, pathFor(route, f.params, true), {
        token,
        headers,
        ...(f.query ? { query: f.query } : {}),
        ...(f.json !== undefined ? { json: f.json } : {}),
        ...(f.form ? { form: f.form() } : {}),
      });
      expect(r.status, JSON.stringify(r.body)).not.toBe(401);
      expect(r.status, JSON.stringify(r.body)).not.toBe(403);
      expect(r.status, JSON.stringify(r.body)).toBeLessThan(500);
    } else {
      // Invalid input on purpose: authorisation must answer before validation does.
      const r = await api.call(route.method, pathFor(route, f.params, false), {
        token,
        headers,
        query: { page: 'no-es-un-número' },
        ...(route.method === 'get' ? {} : { json: { basura: true } }),
      });
      expect(r.status, JSON.stringify(r.body)).toBe(expected);
    }
  });
});
