/**
 * The route table's registrar on its own: authorisation before validation, API keys, field
 * errors by location, and answers that drift from their schema caught where responses are
 * checked. Uses the real Authenticator over a real database.
 */
import type { Server } from 'node:http';
import express from 'express';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Authenticator } from '../../api/auth.js';
import { errorMapper } from '../../api/errors.js';
import { defineRoute, registerRoutes, type Route } from '../../api/route-table.js';
import { startTestApi, type TestApi } from './support.js';

const KEY = 'clave-del-sistema-de-tesorería';

const routes: Route[] = [
  defineRoute({
    method: 'post',
    path: '/t/echo/:n',
    summary: 'echo',
    tags: ['t'],
    roles: ['manager'],
    request: {
      params: z.object({ n: z.coerce.number().int() }),
      query: z.object({ twice: z.enum(['yes', 'no']).default('no') }),
      body: z.object({ word: z.string().min(2) }),
    },
    responses: { 200: z.object({ words: z.array(z.string()), n: z.int() }) },
  }).handle(({ params, query, body }) => ({
    status: 200,
    body: { words: query.twice === 'yes' ? [body.word, body.word] : [body.word], n: params.n },
  })),
  defineRoute({
    method: 'post',
    path: '/t/system',
    summary: 'system',
    tags: ['t'],
    roles: 'apiKey',
    responses: { 200: z.object({ system: z.string() }) },
  }).handle(({ principal }) => ({ status: 200, body: { system: principal.system } })),
  defineRoute({
    method: 'get',
    path: '/t/drift',
    summary: 'drift',
    tags: ['t'],
    roles: 'public',
    responses: { 200: z.object({ a: z.string() }) },
  }).handle(() => ({ status: 200, body: { a: 'x', secret: 'no declarado' } as { a: string } })),
  defineRoute({
    method: 'get',
    path: '/t/wrong-type',
    summary: 'wrong type',
    tags: ['t'],
    roles: 'public',
    responses: { 200: z.object({ amount: z.string().regex(/^\d+\.\d{2}$/) }) },
  }).handle(() => ({ status: 200, body: { amount: '12.5' } })),
];

describe('route table registrar', () => {
  let api: TestApi;
  let server: Server;
  let base: string;
  const post = (path: string, opts: { token?: string; key?: string; json?: unknown } = {}) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        ...(opts.key ? { 'x-api-key': opts.key } : {}),
      },
      body: JSON.stringify(opts.json ?? {}),
    });

  beforeAll(async () => {
    api = await startTestApi();
    const app = express();
    app.use(express.json());
    const router = express.Router();
    registerRoutes(router, routes, {
      auth: new Authenticator(api.db.prisma, { apiKeys: { tesoreria: KEY } }),
      validateResponses: true,
      uploadDir: api.deps.uploadDir,
    });
    app.use(router);
    app.use(errorMapper(pino({ level: 'silent' })));
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const addr = server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    server?.close();
    await api?.close();
  });

  it('parses params, query and body into typed input', async () => {
    const r = await post('/t/echo/7?twice=yes', {
      token: api.tokens.manager,
      json: { word: 'hola' },
    });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ words: ['hola', 'hola'], n: 7 });
  });

  it('answers 400 with every field error, body fields plain, others by location', async () => {
    const r = await post('/t/echo/siete?twice=quizá', {
      token: api.tokens.manager,
      json: { word: 'x' },
    });
    expect(r.status).toBe(400);
    const body = (await r.json()) as { error: { code: string; fields: Record<string, string> } };
    expect(body.error.code).toBe('invalid_request');
    expect(Object.keys(body.error.fields).sort()).toEqual(['params.n', 'query.twice', 'word']);
  });

  it('checks the role before the input', async () => {
    expect((await post('/t/echo/siete', { json: { word: 1 } })).status).toBe(401);
    expect(
      (await post('/t/echo/siete', { token: api.tokens.collector, json: { word: 1 } })).status,
    ).toBe(403);
    expect((await post('/t/echo/1', { token: 'no-es-un-token', json: {} })).status).toBe(401);
  });

  it('lets outside systems in only with their API key', async () => {
    const ok = await post('/t/system', { key: KEY });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ system: 'tesoreria' });
    expect((await post('/t/system')).status).toBe(401);
    expect((await post('/t/system', { key: 'otra-clave' })).status).toBe(401);
    expect((await post('/t/system', { token: api.tokens.admin })).status).toBe(403);
  });

  it('fails with a plain 500 when an answer drifts from its schema', async () => {
    for (const path of ['/t/drift', '/t/wrong-type']) {
      const r = await fetch(`${base}${path}`);
      expect(r.status, path).toBe(500);
      const body = (await r.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('internal');
      expect(body.error.message).not.toMatch(/secret|amount|schema/i);
    }
  });
});
