/**
 * The 5xx answers the API fuzzing (tests/api/fuzz.test.ts) found, one request each, now refused
 * with a 400 or answered normally.
 */
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_API_KEY, startTestApi, type TestApi } from './support.js';

describe('requests the fuzzing turned into 500s', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api?.close());

  it('a malformed date in the dashboard period is a 400, not a crash of the period check', async () => {
    const token = api.tokens.manager;
    for (const path of ['/api/dashboard', '/api/reports/embudo.csv', '/api/reports/cartera.xlsx']) {
      const r = await api.call<{ error: { fields: Record<string, string> } }>('get', path, {
        token,
        query: { from: '0', to: '0' },
      });
      expect(r.status, path).toBe(400);
      expect(Object.keys(r.body.error.fields)).toEqual(
        expect.arrayContaining(['query.from', 'query.to']),
      );
    }
  });

  it('a NUL or other control character in a query string or a body text is a 400, on every route', async () => {
    const token = api.tokens.manager;
    for (const [path, query] of [
      ['/api/audit', { entity: 'case\u0000' }],
      ['/api/audit', { action: '\u0000' }],
      ['/api/tasks', { sector: 'Centro\u0000' }],
      ['/api/tasks', { route: '\u0007' }],
      ['/api/dashboard', { sector: '\u0000' }],
      ['/api/cases', { q: 'a\u0000b' }],
    ] as const) {
      const r = await api.call<{ error: { fields: Record<string, string> } }>('get', path, {
        token,
        query,
      });
      expect(r.status, `${path} ${JSON.stringify(query)}`).toBe(400);
      expect(Object.values(r.body.error.fields).join()).toMatch(/caracteres de control/);
    }
    const body = await api.call<{ error: { fields: Record<string, string> } }>(
      'put',
      '/api/portfolios',
      { token, json: { sector: 'Sur\u0000', collectorId: null } },
    );
    expect(body.status).toBe(400);
    expect(body.body.error.fields).toHaveProperty('sector');
  });

  it('a period ending in the first centuries still has a four-digit default start', async () => {
    const token = api.tokens.manager;
    const r = await api.call<{ period: { from: string; to: string } }>('get', '/api/dashboard', {
      token,
      query: { to: '0020-02-29' },
    });
    expect(r.status).toBe(200);
    expect(r.body.period).toEqual({ from: '0019-09-01', to: '0020-02-29' });
    const early = await api.call<{ period: { from: string } }>('get', '/api/dashboard', {
      token,
      query: { to: '0001-02-01' },
    });
    expect(early.status).toBe(200);
    expect(early.body.period.from).toBe('0001-01-01');
    const xlsx = await api.call('get', '/api/reports/cartera.xlsx', {
      token,
      query: { to: '0020-02-29' },
    });
    expect(xlsx.status).toBe(200);
    // Year 0000 is no date the calendar counts.
    const zero = await api.call('get', '/api/dashboard', { token, query: { to: '0000-02-29' } });
    expect(zero.status).toBe(400);
  });

  it('a page number too large for the database offset is a 400; a large one is an empty page', async () => {
    const token = api.tokens.manager;
    for (const path of ['/api/cases', '/api/tasks', '/api/audit', '/api/notices']) {
      const huge = await api.call('get', path, { token, query: { page: '9007199254740991' } });
      expect(huge.status, path).toBe(400);
      const far = await api.call<{ items: unknown[] }>('get', path, {
        token,
        query: { page: '1000000' },
      });
      expect(far.status, path).toBe(200);
      expect(far.body.items).toEqual([]);
    }
  });

  it('an amount past what the database stores is a 400, in filters and in payloads', async () => {
    const token = api.tokens.manager;
    for (const path of ['/api/tasks', '/api/cases']) {
      const r = await api.call<{ error: { fields: Record<string, string> } }>('get', path, {
        token,
        query: { amountMin: '08675886.59', amountMax: '7092249927.14' },
      });
      expect(r.status, path).toBe(400);
      expect(r.body.error.fields['query.amountMax']).toBe('monto fuera de rango');
      const top = await api.call('get', path, { token, query: { amountMax: '21474836.47' } });
      expect(top.status, path).toBe(200);
    }
    const pay = await api.call<{ error: { fields: Record<string, string> } }>(
      'post',
      '/api/payments',
      {
        headers: { 'x-api-key': TEST_API_KEY },
        json: {
          accountNumber: 'A-1',
          amount: '99999999999.00',
          paidAt: '2026-01-01T00:00:00Z',
          reference: 'R-1',
        },
      },
    );
    expect(pay.status).toBe(400);
    expect(pay.body.error.fields.amount).toBe('monto fuera de rango');
  });

  it('control characters in the case list’s text filters are a 400 naming the field', async () => {
    const token = api.tokens.manager;
    for (const [name, value] of [
      ['sector', '\u0000'],
      ['sector', 'Puerto\u0000Bolívar'],
      ['q', 'ROMERO\u0007'],
      ['q', '\u007f'],
    ] as const) {
      const r = await api.call<{ error: { fields: Record<string, string> } }>('get', '/api/cases', {
        token,
        query: { [name]: value },
      });
      expect(r.status, `${name}=${JSON.stringify(value)}`).toBe(400);
      expect(r.body.error.fields[`query.${name}`]).toBe('no se admiten caracteres de control');
    }
    // Text as people type it still filters.
    const ok = await api.call('get', '/api/cases', {
      token,
      query: { sector: 'Puerto Bolívar', q: 'ROMERO AGUILAR' },
    });
    expect(ok.status).toBe(200);
  });

  it('a malformed multipart upload is a 400 and leaves no file behind', async () => {
    const token = api.tokens.manager;
    const post = (contentType: string, body: string) =>
      fetch(`${api.url}/api/imports/portfolio`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
        body,
      });
    // No boundary at all.
    expect((await post('multipart/form-data', '')).status).toBe(400);
    // Cut short in the middle of the file part.
    const cut = await post(
      'multipart/form-data; boundary=XyZ',
      '--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\ncuenta,cedula',
    );
    expect(cut.status).toBe(400);
    expect(await cut.json()).toMatchObject({ error: { code: 'invalid_request' } });
    // A broken part header.
    expect((await post('multipart/form-data; boundary=XyZ', '--XyZ\r\n\x00\r\n\r\n')).status).toBe(
      400,
    );
    expect(readdirSync(api.deps.uploadDir)).toEqual([]);
    expect(await api.db.prisma.importBatch.count()).toBe(0);
  });
});
