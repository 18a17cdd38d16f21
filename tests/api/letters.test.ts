/**
 * Printed letters through the API over a real PostgreSQL: pending letters by sector/route, a
 * print batch takes the queued letters of its route in route order and marks them printed, its
 * PDF has one page per letter and the delivery list, and the confirmation records each outcome
 * once (notice, timeline, audit) and tells the case workflow. The workflow is a real Temporal
 * execution with no worker: the signals the API sends are read back from its history.
 */
import { randomUUID } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import type { WorkflowHandle } from '@temporalio/client';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../api/auth.js';
import type { BatchDetail, BatchSummary } from '../../api/routes/letters.js';
import type { NoticeOutcome } from '../../workflows/messages.js';
import { eventually, uniqueTaskQueue } from '../support/env.js';
import { startTestApi, type TestApi } from './support.js';

async function pdfPages(bytes: Uint8Array): Promise<string[]> {
  const pdf = await getDocument({ data: bytes, verbosity: 0 }).promise;
  const pages: string[] = [];
  for (let n = 1; n <= pdf.numPages; n++) {
    const content = await (await pdf.getPage(n)).getTextContent();
    let text = '';
    for (const item of content.items)
      if ('str' in item) text += item.str + (item.hasEOL ? '\n' : '');
    pages.push(text.replace(/\s+/g, ' ').trim());
  }
  await pdf.destroy();
  return pages;
}

describe('letters API', () => {
  let api: TestApi;
  let probe: WorkflowHandle;
  let otherCollector: { id: string; token: string };
  const SUBJECT = 'Aviso previo de suspensión del servicio de agua potable';
  /** Notice ids by name. */
  const ids: Record<string, string> = {};
  const keys: Record<string, string> = {};
  const caseOf: Record<string, string> = {};
  let minute = 0;

  /** An account with an open case in `sector`/`route`, assigned to `collectorId`. */
  async function openCase(number: string, sector: string, route: string, collectorId: string) {
    const prisma = api.db.prisma;
    const account = await prisma.account.create({
      data: {
        number,
        holderName: `TITULAR ${number}`,
        holderId: '0701234569',
        address: `Calle ${number} y Av. Las Palmeras`,
        sector,
        route,
        category: 'residencial',
      },
    });
    const c = await prisma.case.create({
      data: {
        id: randomUUID(),
        workflowId: probe.workflowId,
        accountId: account.id,
        priority: 100,
        balanceCents: 5000,
        openingBalanceCents: 5000,
        overdueInvoices: 2,
        oldestDueOn: new Date('2026-07-01'),
        stage: 'suspension',
        assignedCollectorId: collectorId,
        policyVersion: 1,
        openedAt: new Date(),
      },
    });
    return c.id;
  }

  /** A notice of the case, queued `minute` minutes after a fixed start (older first). */
  async function notice(
    name: string,
    caseId: string,
    opts: { channel?: 'letter' | 'email'; status?: 'queued' | 'sent' | 'withdrawn' } = {},
  ) {
    const key = `${probe.workflowId}:step-${name}:${opts.channel ?? 'letter'}`;
    const n = await api.db.prisma.notice.create({
      data: {
        key,
        caseId,
        kind: 'aviso_previo_suspension',
        channel: opts.channel ?? 'letter',
        recipient: opts.channel === 'email' ? 'x@example.ec' : `Dirección de ${name}`,
        subject: SUBJECT,
        body: `Estimado/a titular:\n\nTexto de la carta ${name}.\n\nAtentamente,\nAguas Machala EP`,
        status: opts.status ?? 'queued',
        workflowId: probe.workflowId,
        createdAt: new Date(Date.UTC(2026, 10, 2, 10, minute++)),
      },
    });
    ids[name] = n.id;
    keys[name] = key;
    caseOf[name] = caseId;
  }

  const get = <T>(path: string, token = api.tokens.manager, query?: Record<string, string>) =>
    api.call<T>('get', path, { token, ...(query ? { query } : {}) });
  const post = <T>(path: string, json: unknown, token = api.tokens.manager) =>
    api.call<T>('post', path, { token, json });

  /** The noticeOutcome signals the probe workflow received, in order. */
  async function signals(): Promise<NoticeOutcome[]> {
    const history = await probe.fetchHistory();
    return (history.events ?? []).flatMap((e) => {
      const s = e.workflowExecutionSignaledEventAttributes;
      if (s?.signalName !== 'noticeOutcome') return [];
      return [defaultPayloadConverter.fromPayload<NoticeOutcome>(s.input!.payloads![0]!)];
    });
  }

  beforeAll(async () => {
    api = await startTestApi();
    // Stands for the case workflow: nothing runs it, but Temporal records what it is sent.
    probe = await api.temporal.workflow.start('cartasSonda', {
      taskQueue: uniqueTaskQueue('letters-probe'),
      workflowId: `letters-probe-${randomUUID()}`,
      workflowExecutionTimeout: '1 hour',
    });
    const password = 'clave-del-otro-gestor-2026';
    const other = await api.db.prisma.user.create({
      data: {
        username: 'cobrador-otro',
        displayName: 'Otro gestor',
        role: 'collector',
        passwordHash: await hashPassword(password),
      },
    });
    const login = await api.call<{ token: string }>('post', '/api/auth/login', {
      json: { username: 'cobrador-otro', password },
    });
    otherCollector = { id: other.id, token: login.body.token };

    const me = api.users.collector.id;
    // Puerto Bolívar R-01-01, the collector's: created out of account order.
    const c3 = await openCase('PB-0003', 'Puerto Bolívar', 'R-01-01', me);
    const c1 = await openCase('PB-0001', 'Puerto Bolívar', 'R-01-01', me);
    const c2 = await openCase('PB-0002', 'Puerto Bolívar', 'R-01-01', me);
    await notice('pb3', c3);
    await notice('pb1', c1);
    await notice('pb2', c2);
    await notice('pb1-email', c1, { channel: 'email' });
    await notice('pb2-sent', c2, { status: 'sent' });
    await notice('pb3-withdrawn', c3, { status: 'withdrawn' });
    // Another route of the same sector.
    await notice('pb10', await openCase('PB-0010', 'Puerto Bolívar', 'R-01-02', me));
    // Another collector's sector.
    await notice('ec1', await openCase('EC-0001', 'El Cambio', 'R-02-01', other.id));
    // One route worked by both collectors.
    await notice('mx1', await openCase('MX-0001', 'Mixto', 'R-09-01', me));
    await notice('mx2', await openCase('MX-0002', 'Mixto', 'R-09-01', other.id));
  });
  afterAll(async () => {
    await probe?.terminate('fin de la prueba').catch(() => undefined);
    await api?.close();
  });

  let batch: BatchDetail;

  it('lists pending letters by sector and route; a collector sees only their portfolio', async () => {
    const all = await get<{ groups: unknown[]; total: number }>('/api/letters/pending');
    expect(all.status).toBe(200);
    expect(all.body.groups).toEqual([
      { sector: 'El Cambio', route: 'R-02-01', letters: 1, oldestAt: expect.any(String) },
      { sector: 'Mixto', route: 'R-09-01', letters: 2, oldestAt: expect.any(String) },
      {
        sector: 'Puerto Bolívar',
        route: 'R-01-01',
        letters: 3,
        oldestAt: '2026-11-02T10:00:00.000Z',
      },
      { sector: 'Puerto Bolívar', route: 'R-01-02', letters: 1, oldestAt: expect.any(String) },
    ]);
    expect(all.body.total).toBe(7);

    const mine = await get<{ groups: { sector: string; letters: number }[] }>(
      '/api/letters/pending',
      api.tokens.collector,
    );
    expect(mine.body.groups.map((g) => [g.sector, g.letters])).toEqual([
      ['Mixto', 1],
      ['Puerto Bolívar', 3],
      ['Puerto Bolívar', 1],
    ]);
    expect((await get('/api/letters/pending', api.tokens.legal)).status).toBe(403);
  });

  it('prints a batch of one route: only its queued letters, in route order, marked printed', async () => {
    const r = await post<BatchDetail>(
      '/api/letters/batches',
      { sector: 'Puerto Bolívar', route: 'R-01-01' },
      api.tokens.collector,
    );
    expect(r.status).toBe(201);
    batch = r.body;
    expect(batch.number).toMatch(/^LC-\d{4}-\d{6}$/);
    expect(batch).toMatchObject({
      sector: 'Puerto Bolívar',
      route: 'R-01-01',
      letters: 3,
      counts: { queued: 0, printed: 3, sent: 0, failed: 0, withdrawn: 0 },
      createdBy: { id: api.users.collector.id },
      confirmedAt: null,
    });
    expect(batch.items.map((l) => [l.position, l.accountNumber, l.id])).toEqual([
      [1, 'PB-0001', ids.pb1],
      [2, 'PB-0002', ids.pb2],
      [3, 'PB-0003', ids.pb3],
    ]);
    expect(batch.items.every((l) => l.status === 'printed' && l.confirmable)).toBe(true);

    const rows = await api.db.prisma.notice.findMany({ where: { batchId: batch.id } });
    expect(rows.map((n) => n.id).sort()).toEqual([ids.pb1, ids.pb2, ids.pb3].sort());
    expect(rows.every((n) => n.status === 'printed')).toBe(true);
    // The rest is untouched.
    const others = await api.db.prisma.notice.findMany({
      where: {
        id: { in: [ids['pb1-email']!, ids['pb2-sent']!, ids['pb3-withdrawn']!, ids.pb10!] },
      },
    });
    expect(Object.fromEntries(others.map((n) => [n.id, [n.status, n.batchId]]))).toEqual({
      [ids['pb1-email']!]: ['queued', null],
      [ids['pb2-sent']!]: ['sent', null],
      [ids['pb3-withdrawn']!]: ['withdrawn', null],
      [ids.pb10!]: ['queued', null],
    });
    const entry = await api.db.prisma.auditLog.findFirstOrThrow({
      where: { action: 'letters.batch.create', entityId: batch.id },
    });
    expect(entry.actorId).toBe(api.users.collector.id);

    // Nothing is left queued on that route.
    const again = await post(
      '/api/letters/batches',
      { sector: 'Puerto Bolívar', route: 'R-01-01' },
      api.tokens.collector,
    );
    expect(again.status).toBe(422);
    expect((await post('/api/letters/batches', { route: 'R-01-01' })).status).toBe(400);
  });

  it('serves the PDF: one letterhead page per letter in route order, then the delivery list', async () => {
    const res = await fetch(`${api.url}${batch.pdfUrl}`, {
      headers: { authorization: `Bearer ${api.tokens.collector}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('etag')).toBe(`"${batch.sha256}"`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const { createHash } = await import('node:crypto');
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(batch.sha256);

    const pages = await pdfPages(bytes);
    expect(pages).toHaveLength(4);
    expect(batch.pages).toBe(4);
    ['PB-0001', 'PB-0002', 'PB-0003'].forEach((account, i) => {
      const page = pages[i]!;
      expect(page).toContain('AGUAS MACHALA EP');
      expect(page).toContain(`Cuenta N.º ${account}`);
      expect(page).toContain(SUBJECT);
      expect(page).toContain(`Carta ${i + 1} de 3`);
    });
    expect(pages[0]).toContain('Texto de la carta pb1.');
    const list = pages[3]!;
    expect(list).toContain(`LISTA DE ENTREGA DE CARTAS · LOTE ${batch.number}`);
    for (const column of ['Fecha y hora', 'Recibido por', 'No entregada: motivo'])
      expect(list).toContain(column);
    const at = ['PB-0001', 'PB-0002', 'PB-0003'].map((a) => list.indexOf(a));
    expect(at.every((i) => i > 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);

    const cached = await fetch(`${api.url}${batch.pdfUrl}`, {
      headers: {
        authorization: `Bearer ${api.tokens.manager}`,
        'if-none-match': `"${batch.sha256}"`,
      },
    });
    expect(cached.status).toBe(304);
  });

  it('keeps another portfolio out of a collector’s sight', async () => {
    const theirs = await post<BatchDetail>(
      '/api/letters/batches',
      { sector: 'El Cambio' },
      otherCollector.token,
    );
    expect(theirs.status).toBe(201);
    expect(theirs.body.items.map((l) => l.accountNumber)).toEqual(['EC-0001']);
    const path = `/api/letters/batches/${theirs.body.id}`;
    expect((await get(path, api.tokens.collector)).status).toBe(404);
    expect((await get(`${path}/pdf`, api.tokens.collector)).status).toBe(404);
    const confirm = await post(
      `${path}/confirmation`,
      {
        notifier: 'Pedro Notificador',
        deliveredAt: new Date().toISOString(),
        letters: [{ noticeId: ids.ec1, outcome: 'delivered' }],
      },
      api.tokens.collector,
    );
    expect(confirm.status).toBe(404);
    // A collector cannot print another collector's letters either.
    expect(
      (await post('/api/letters/batches', { sector: 'El Cambio' }, api.tokens.collector)).status,
    ).toBe(422);

    // A batch of a shared route: each collector sees their own letters; the PDF, which shows
    // both, only to supervision.
    const shared = await post<BatchDetail>('/api/letters/batches', { sector: 'Mixto' });
    expect(shared.body.items.map((l) => l.accountNumber)).toEqual(['MX-0001', 'MX-0002']);
    const seen = await get<BatchDetail>(
      `/api/letters/batches/${shared.body.id}`,
      api.tokens.collector,
    );
    expect(seen.body.items.map((l) => [l.position, l.accountNumber])).toEqual([[1, 'MX-0001']]);
    expect(seen.body.counts.printed).toBe(1);
    expect(
      (await get(`/api/letters/batches/${shared.body.id}/pdf`, api.tokens.collector)).status,
    ).toBe(403);

    const list = await get<{ items: BatchSummary[]; total: number }>(
      '/api/letters/batches',
      api.tokens.collector,
    );
    expect(list.body.items.map((b) => b.id)).toEqual([shared.body.id, batch.id]);
    const all = await get<{ items: BatchSummary[]; total: number }>('/api/letters/batches');
    expect(all.body.total).toBe(3);
  });

  it('refuses a confirmation that names a withdrawn letter, and records nothing', async () => {
    // The case of PB-0003 closed after printing: its letter is withdrawn.
    await api.db.prisma.notice.update({ where: { id: ids.pb3! }, data: { status: 'withdrawn' } });
    const r = await post<{ error: { fields: Record<string, string> } }>(
      `/api/letters/batches/${batch.id}/confirmation`,
      {
        notifier: 'Pedro Notificador',
        deliveredAt: new Date().toISOString(),
        letters: [
          { noticeId: ids.pb1, outcome: 'delivered' },
          { noticeId: ids.pb3, outcome: 'delivered' },
        ],
      },
      api.tokens.collector,
    );
    expect(r.status).toBe(409);
    expect(r.body.error.fields['letters.1.noticeId']).toMatch(/retirada/);
    expect((await api.db.prisma.notice.findUniqueOrThrow({ where: { id: ids.pb1! } })).status).toBe(
      'printed',
    );
    expect(await signals()).toEqual([]);

    const view = await get<BatchDetail>(`/api/letters/batches/${batch.id}`, api.tokens.collector);
    expect(view.body.items.find((l) => l.id === ids.pb3)).toMatchObject({
      status: 'withdrawn',
      confirmable: false,
    });
  });

  it('checks the form: reasons, dates, letters of the batch', async () => {
    const path = `/api/letters/batches/${batch.id}/confirmation`;
    const now = new Date().toISOString();
    const send = (letters: unknown[], deliveredAt = now) =>
      post<{ error: { fields?: Record<string, string> } }>(
        path,
        { notifier: 'Pedro Notificador', deliveredAt, letters },
        api.tokens.collector,
      );
    const noReason = await send([{ noticeId: ids.pb1, outcome: 'not_delivered' }]);
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.fields).toHaveProperty(['letters.0.reason']);
    const otherNoNote = await send([
      { noticeId: ids.pb1, outcome: 'not_delivered', reason: 'other' },
    ]);
    expect(otherNoNote.body.error.fields).toHaveProperty(['letters.0.note']);
    expect(
      (await send([{ noticeId: ids.pb1, outcome: 'delivered' }], '2020-01-01T15:00:00Z')).status,
    ).toBe(422);
    const future = new Date(Date.now() + 86_400_000).toISOString();
    expect((await send([{ noticeId: ids.pb1, outcome: 'delivered', at: future }])).status).toBe(
      422,
    );
    expect((await send([{ noticeId: ids.pb10, outcome: 'delivered' }])).status).toBe(422);
    expect((await send([{ noticeId: randomUUID(), outcome: 'delivered' }])).status).toBe(422);
    expect(await signals()).toEqual([]);
  });

  it('confirms delivered and undelivered letters: notice, timeline, audit, one signal each', async () => {
    // Both after the batch was printed (an earlier instant is refused).
    const deliveredAt = new Date(Date.parse(batch.createdAt) + 1_000).toISOString();
    const absentAt = new Date(Date.parse(batch.createdAt) + 2_000).toISOString();
    const r = await post<BatchDetail>(
      `/api/letters/batches/${batch.id}/confirmation`,
      {
        notifier: 'Pedro Notificador',
        deliveredAt,
        letters: [
          { noticeId: ids.pb1, outcome: 'delivered' },
          { noticeId: ids.pb2, outcome: 'not_delivered', reason: 'absent', at: absentAt },
        ],
      },
      api.tokens.collector,
    );
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      notifier: 'Pedro Notificador',
      counts: { printed: 0, sent: 1, failed: 1, withdrawn: 1 },
      confirmedAt: expect.any(String),
    });

    const delivered = await api.db.prisma.notice.findUniqueOrThrow({ where: { id: ids.pb1! } });
    expect(delivered).toMatchObject({ status: 'sent', lastError: null });
    expect(delivered.deliveredAt?.toISOString()).toBe(deliveredAt);
    expect(delivered.sentAt?.toISOString()).toBe(deliveredAt);
    const failed = await api.db.prisma.notice.findUniqueOrThrow({ where: { id: ids.pb2! } });
    expect(failed).toMatchObject({ status: 'failed', deliveredAt: null });
    expect(failed.lastError).toMatch(/No entregada: Nadie en el domicilio/);

    const events = await api.db.prisma.caseEvent.findMany({
      where: { caseId: { in: [caseOf.pb1!, caseOf.pb2!] } },
      orderBy: { occurredAt: 'asc' },
    });
    expect(events.map((e) => [e.eventKey, e.type])).toEqual([
      [`notice:${ids.pb1}:delivered`, 'notice_delivered'],
      [`notice:${ids.pb2}:failed:1`, 'notice_failed'],
    ]);
    expect(events[0]!.occurredAt.toISOString()).toBe(deliveredAt);
    expect(events[0]!.data).toMatchObject({
      channel: 'letter',
      batchId: batch.id,
      notifier: 'Pedro Notificador',
      noticeId: ids.pb1,
    });
    expect(events[1]).toMatchObject({ reason: failed.lastError, stage: 'suspension' });
    expect(events[1]!.data).toMatchObject({ channel: 'letter', reasonCode: 'absent' });

    const entry = await api.db.prisma.auditLog.findFirstOrThrow({
      where: { action: 'letters.batch.confirm', entityId: batch.id },
    });
    expect(entry.actorId).toBe(api.users.collector.id);

    // The case workflow heard of each letter once, under the key it queued the notice with
    // (signals go out together, so in any order).
    const heard = await eventually(signals, (x) => x.length >= 2);
    expect(heard.sort((x, y) => x.at.localeCompare(y.at))).toEqual([
      {
        key: keys.pb1!.slice(0, keys.pb1!.lastIndexOf(':')),
        channel: 'letter',
        outcome: 'delivered',
        at: deliveredAt,
      },
      {
        key: keys.pb2!.slice(0, keys.pb2!.lastIndexOf(':')),
        channel: 'letter',
        outcome: 'failed',
        at: absentAt,
        reason: failed.lastError,
      },
    ]);
  });

  it('confirms a letter only once', async () => {
    const r = await post<{ error: { fields: Record<string, string> } }>(
      `/api/letters/batches/${batch.id}/confirmation`,
      {
        notifier: 'Pedro Notificador',
        deliveredAt: new Date().toISOString(),
        letters: [{ noticeId: ids.pb1, outcome: 'delivered' }],
      },
      api.tokens.manager,
    );
    expect(r.status).toBe(409);
    expect(r.body.error.fields['letters.0.noticeId']).toMatch(/ya fue confirmada/);
    expect(await signals()).toHaveLength(2);
    expect(
      await api.db.prisma.auditLog.count({
        where: { action: 'letters.batch.confirm', entityId: batch.id },
      }),
    ).toBe(1);

    const done = await get<{ items: BatchSummary[] }>('/api/letters/batches', api.tokens.manager, {
      status: 'done',
    });
    expect(done.body.items.map((b) => b.id)).toEqual([batch.id]);
  });
});
