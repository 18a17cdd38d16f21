/**
 * Legal documents through the real activity path: the credit-title activity stores the título's
 * PDF once however often it runs, the PDF says what the law requires, the API serves the same
 * bytes; an orden de suspensión without its aviso previo is a recorded failure, not a retry loop.
 */
import { createHash } from 'node:crypto';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCreditTitleActivities } from '../../activities/credit-title.js';
import { createCaseStoreActivities } from '../../activities/case-store.js';
import { produceFieldOrder } from '../../activities/documents.js';
import { buildCreditTitle, CREDIT_TITLE_SERIES } from '../../domain/credit-title.js';
import { DEFAULT_POLICY } from '../../domain/policy.js';
import { startTestApi, type TestApi } from '../api/support.js';
import { seedCase, type SeededCase } from '../support/workflow-env.js';

async function pdfText(bytes: Uint8Array): Promise<string> {
  const pdf = await getDocument({ data: new Uint8Array(bytes), useSystemFonts: true }).promise;
  const pages: string[] = [];
  for (let i = 1; i <= pdf.numPages; i++) {
    const content = await (await pdf.getPage(i)).getTextContent();
    pages.push(content.items.map((it) => ('str' in it ? it.str : '')).join(' '));
  }
  await pdf.destroy();
  return pages.join('\n').replace(/\s+/g, ' ');
}

describe('documents issued by the activities', () => {
  let api: TestApi;
  let seeded: SeededCase;
  const wf = 'case-docs-test:run-1';

  beforeAll(async () => {
    api = await startTestApi();
    seeded = await seedCase(api.db.prisma, { balanceCents: 12_000 });
  });
  afterAll(() => api?.close());

  async function issueTitleTwice() {
    const acts = createCreditTitleActivities({ prisma: api.db.prisma });
    const { number } = await acts.issueTitleNumber({
      key: `${wf}:title-number`,
      series: CREDIT_TITLE_SERIES,
      year: 2026,
    });
    const account = await api.db.prisma.account.findFirstOrThrow({
      where: { cases: { some: { id: seeded.caseId } } },
    });
    const title = buildCreditTitle(
      {
        holderName: account.holderName,
        holderId: account.holderId,
        address: account.address,
        accountNumber: account.number,
        balanceCents: 12_000,
        interestFrom: '2026-07-02',
      },
      { series: CREDIT_TITLE_SERIES, year: 2026, sequence: number },
      '2026-09-14',
      DEFAULT_POLICY,
    );
    const record = {
      eventKey: `${wf}:title-issued:v1`,
      caseId: seeded.caseId,
      stage: 'credit_title' as const,
      title,
      defects: [],
      at: '2026-09-14T15:00:00.000Z',
      actor: 'system',
    };
    // A retried activity, and two racing ones: still one document and one timeline entry.
    await acts.recordCreditTitle(record);
    await Promise.all([acts.recordCreditTitle(record), acts.recordCreditTitle(record)]);
    return { title, account };
  }

  it('stores exactly one título PDF when the activity runs more than once', async () => {
    const { title, account } = await issueTitleTwice();
    const docs = await api.db.prisma.document.findMany({ where: { caseId: seeded.caseId } });
    expect(docs).toHaveLength(1);
    const doc = docs[0]!;
    expect(doc).toMatchObject({ kind: 'titulo_credito', number: title.number });
    expect(doc.sha256).toBe(createHash('sha256').update(doc.bytes).digest('hex'));
    expect(doc.sizeBytes).toBe(doc.bytes.length);

    const events = await api.db.prisma.caseEvent.findMany({
      where: { caseId: seeded.caseId, type: 'document_issued' },
    });
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toEqual({
      documentId: doc.id,
      kind: 'titulo_credito',
      number: title.number,
      sha256: doc.sha256,
    });

    const text = await pdfText(doc.bytes);
    expect(text).toContain(title.number);
    expect(text).toContain(account.holderName);
    expect(text).toContain(account.holderId);
  });

  it('lists the document and serves the same bytes, with the SHA-256 as ETag', async () => {
    const doc = await api.db.prisma.document.findFirstOrThrow({
      where: { caseId: seeded.caseId, kind: 'titulo_credito' },
    });
    const list = await api.call<{ documents: { id: string; sha256: string; url: string }[] }>(
      'get',
      `/api/cases/${seeded.caseId}/documents`,
      { token: api.tokens.manager },
    );
    expect(list.status).toBe(200);
    expect(list.body.documents).toEqual([
      expect.objectContaining({
        id: doc.id,
        sha256: doc.sha256,
        url: `/api/documents/${doc.id}/pdf`,
      }),
    ]);

    const res = await fetch(`${api.url}/api/documents/${doc.id}/pdf`, {
      headers: { authorization: `Bearer ${api.tokens.manager}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${doc.fileName}"`);
    expect(res.headers.get('etag')).toBe(`"${doc.sha256}"`);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(doc.sha256);
    expect(bytes.equals(Buffer.from(doc.bytes))).toBe(true);

    const again = await fetch(`${api.url}/api/documents/${doc.id}/pdf`, {
      headers: {
        authorization: `Bearer ${api.tokens.manager}`,
        'if-none-match': `"${doc.sha256}"`,
      },
    });
    expect(again.status).toBe(304);
  });

  it('hides the documents of cases the collector does not hold', async () => {
    const doc = await api.db.prisma.document.findFirstOrThrow({ where: { caseId: seeded.caseId } });
    const pdf = await api.call('get', `/api/documents/${doc.id}/pdf`, {
      token: api.tokens.collector,
    });
    expect(pdf.status).toBe(404);
    const list = await api.call('get', `/api/cases/${seeded.caseId}/documents`, {
      token: api.tokens.collector,
    });
    expect(list.status).toBe(404);
  });

  it('the título notified issues its razón de notificación through recordEvent', async () => {
    const store = createCaseStoreActivities({ prisma: api.db.prisma });
    const event = {
      eventKey: `${wf}:title-notified`,
      caseId: seeded.caseId,
      type: 'credit_title_notified',
      stage: 'credit_title' as const,
      occurredAt: '2026-09-16T16:00:00.000Z',
      actor: 'system',
      data: { number: 'x', method: 'in_person', attempts: 1 },
    };
    await store.recordEvent(event);
    await store.recordEvent(event);
    const docs = await api.db.prisma.document.findMany({
      where: { caseId: seeded.caseId, kind: 'razon_notificacion' },
    });
    expect(docs).toHaveLength(1);
    expect(docs[0]!.number).toMatch(/^RN-2026-\d{6}$/);
    const title = await api.db.prisma.document.findFirstOrThrow({
      where: { caseId: seeded.caseId, kind: 'titulo_credito' },
    });
    const text = await pdfText(docs[0]!.bytes);
    expect(text).toContain(docs[0]!.number);
    expect(text).toContain(title.number);
  });

  it('records a document that cannot be issued as document_failed instead of throwing', async () => {
    const other = await seedCase(api.db.prisma);
    const result = await produceFieldOrder(api.db.prisma, {
      sourceEventKey: 'case-docs-test:suspension-order:ordered',
      caseId: other.caseId,
      stage: 'suspension',
      at: '2026-09-20T15:00:00.000Z',
      order: 'suspension',
      address: 'Av. 25 de Junio y Guayas',
      dueBy: '2026-09-22T15:00:00.000Z',
      reason: 'Suspensión por mora',
    });
    expect(result).toEqual({
      status: 'failed',
      kind: 'orden_suspension',
      issues: ['no consta el aviso previo de suspensión'],
    });
    const failed = await api.db.prisma.caseEvent.findMany({
      where: { caseId: other.caseId, type: 'document_failed' },
    });
    expect(failed).toHaveLength(1);
    expect(await api.db.prisma.document.count({ where: { caseId: other.caseId } })).toBe(0);
  });
});
