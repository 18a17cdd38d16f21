/** Portfolio upload (multipart) and import progress: happy path, 400, 404. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCedula } from '../../domain/ecuador-id.js';
import { eventually } from '../support/env.js';
import { EXPORT_HEADER, csvFile, startTestApi, type TestApi } from './support.js';

interface ImportDetail {
  id: string;
  status: string;
  rowsRead: number;
  goodRows: number;
  badRows: number;
  errors: { line: number; field: string }[];
}

describe('imports', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api?.close());

  it('accepts a CSV export, imports it in the background and reports bad lines', async () => {
    const form = csvFile('cartera.csv', [
      EXPORT_HEADER,
      // One overdue bill: stored, but no case opens (so no workflow starts).
      `API001,${makeCedula(7, '123456')},Ana Pérez,Av. Loja,Centro,R-01-01,residencial,0991234567,,F-API-1,2026-08-01,2026-08-31,12.50,12.50,`,
      `API002,123,Sin Cédula,Av. Loja,Centro,R-01-01,residencial,,,F-API-2,2026-08-01,2026-08-31,10.00,10.00,`,
    ]);
    const r = await api.call<{ id: string; status: string }>('post', '/api/imports/portfolio', {
      token: api.tokens.manager,
      form,
    });
    expect(r.status).toBe(202);
    expect(r.body.status).toBe('running');
    expect(r.headers.get('location')).toBe(`/api/imports/${r.body.id}`);

    const done = await eventually(
      () => api.call<ImportDetail>('get', `/api/imports/${r.body.id}`, { token: api.tokens.admin }),
      (d) => d.body.status !== 'running',
    );
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: 'succeeded', rowsRead: 2, goodRows: 1, badRows: 1 });
    expect(done.body.errors[0]).toMatchObject({ line: 3 });

    const list = await api.call<{ items: { id: string }[] }>('get', '/api/imports', {
      token: api.tokens.manager,
    });
    expect(list.status).toBe(200);
    expect(list.body.items.map((i) => i.id)).toContain(r.body.id);
  });

  it('answers 400 without a file or with an unsupported format', async () => {
    const none = await api.call<{ error: { fields: Record<string, string> } }>(
      'post',
      '/api/imports/portfolio',
      { token: api.tokens.manager, form: new FormData() },
    );
    expect(none.status).toBe(400);
    expect(none.body.error.fields).toHaveProperty('file');
    const pdf = await api.call('post', '/api/imports/portfolio', {
      token: api.tokens.manager,
      form: csvFile('cartera.pdf', ['x']),
    });
    expect(pdf.status).toBe(400);
    const twoFiles = csvFile('a.csv', ['x']);
    twoFiles.append('otro', new Blob(['y']), 'b.csv');
    const extra = await api.call('post', '/api/imports/portfolio', {
      token: api.tokens.manager,
      form: twoFiles,
    });
    expect(extra.status).toBe(400);
  });

  it('answers 404 for an unknown import and 400 for a malformed id', async () => {
    const token = api.tokens.manager;
    expect((await api.call('get', `/api/imports/${randomUUID()}`, { token })).status).toBe(404);
    expect((await api.call('get', '/api/imports/abc', { token })).status).toBe(400);
  });
});
