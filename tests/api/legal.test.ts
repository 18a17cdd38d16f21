/**
 * The legal inbox over timeline events written as the título de crédito and coactiva
 * workflows write them (types, data, actors): title, validation, notification, voluntary term,
 * orden de pago, medidas cautelares; the next deadline in business days with the policy's
 * holidays; stage filter, pagination and who may read it.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePolicy } from '../../store/policy.js';
import {
  addBusinessDays,
  addCalendarDays,
  businessDaysBetween,
  isBusinessDay,
  localDateToInstant,
  toLocalDate,
} from '../../domain/calendar.js';
import type { CaseStage } from '../../domain/case.js';
import { DEFAULT_POLICY, type Policy } from '../../domain/policy.js';
import type { Prisma } from '../../prisma/client.js';
import type { LegalCaseItem } from '../../api/routes/legal.js';
import { seedCase } from '../support/workflow-env.js';
import { startTestApi, type TestApi } from './support.js';

interface Inbox {
  items: LegalCaseItem[];
  total: number;
  page: number;
  pageSize: number;
}

const today = toLocalDate(new Date());
/** The first business day after today is a decreed holiday in this test's policy. */
let holiday = addCalendarDays(today, 1);
while (!isBusinessDay(holiday)) holiday = addCalendarDays(holiday, 1);
const POLICY: Policy = {
  ...DEFAULT_POLICY,
  calendar: { ...DEFAULT_POLICY.calendar, extraHolidays: [holiday], removedHolidays: [] },
};

describe('legal inbox', () => {
  let api: TestApi;
  let titleCase: string;
  let coactivaCase: string;
  let termEndsOn: string;
  let taskDueOn: string;
  let ev = 0;

  async function caseAt(stage: CaseStage, priority: number, closed = false) {
    const s = await seedCase(api.db.prisma);
    await api.db.prisma.case.update({
      where: { id: s.caseId },
      data: {
        stage: closed ? 'closed' : stage,
        priority,
        ...(closed ? { status: 'closed', openKey: null, closedAt: new Date() } : {}),
      },
    });
    return s.caseId;
  }
  const event = (
    caseId: string,
    stage: CaseStage,
    type: string,
    at: string | Date,
    data: Record<string, unknown> = {},
    actor = 'system',
  ) => ({
    eventKey: `wf-${caseId}:legal-test:${(ev += 1)}`,
    caseId,
    type,
    stage,
    occurredAt: new Date(at),
    actor,
    reason: null,
    data: data as Prisma.InputJsonObject,
  });

  beforeAll(async () => {
    api = await startTestApi({
      policy: async () => ({ ...(await ensurePolicy(api.db.prisma, undefined)), policy: POLICY }),
    });
    const { prisma } = api.db;
    titleCase = await caseAt('credit_title', 600);
    coactivaCase = await caseAt('coactiva', 900);
    await caseAt('reminder', 950); // not in the inbox
    await caseAt('coactiva', 990, true); // closed: not in the inbox

    // As workflows/credit-title.ts records them (the title itself by recordCreditTitle).
    termEndsOn = addBusinessDays(today, 4, POLICY.calendar);
    const title = (version: number, issuedOn: string) => ({
      number: 'TC-2026-000123',
      series: 'TC',
      year: 2026,
      sequence: 123,
      version,
      issuedOn,
      amountCents: 12_000,
      corrections: version > 1 ? ['corregir la dirección'] : [],
      defects: [],
    });
    await prisma.caseEvent.createMany({
      data: [
        event(
          titleCase,
          'credit_title',
          'credit_title_issued',
          '2026-11-02T14:00:00Z',
          title(1, '2026-11-02'),
        ),
        event(titleCase, 'credit_title', 'credit_title_returned', '2026-11-03T14:00:00Z', {
          number: 'TC-2026-000123',
          version: 1,
          corrections: 'corregir la dirección',
        }),
        event(
          titleCase,
          'credit_title',
          'credit_title_issued',
          '2026-11-03T15:00:00Z',
          title(2, '2026-11-03'),
        ),
        // 23:30 on 4 November in Guayaquil.
        event(
          titleCase,
          'credit_title',
          'credit_title_approved',
          '2026-11-05T04:30:00Z',
          {
            number: 'TC-2026-000123',
            version: 2,
          },
          api.users.legal.id,
        ),
        event(titleCase, 'credit_title', 'notification_attempt', '2026-11-06T15:00:00Z', {
          number: 'TC-2026-000123',
          attempt: 1,
          method: 'in_person',
          result: 'not_found',
        }),
        event(titleCase, 'credit_title', 'credit_title_notified', '2026-11-09T15:00:00Z', {
          number: 'TC-2026-000123',
          method: 'boleta',
          attempts: 2,
        }),
        event(titleCase, 'credit_title', 'voluntary_term_started', '2026-11-09T15:00:01Z', {
          number: 'TC-2026-000123',
          notifiedAt: '2026-11-09T15:00:00.000Z',
          deadline: localDateToInstant(addBusinessDays('2026-11-09', 10), 'end').toISOString(),
          term: { amount: 10, unit: 'businessDays' },
        }),
        event(titleCase, 'credit_title', 'voluntary_term_paused', '2026-11-12T15:00:00Z', {
          number: 'TC-2026-000123',
          status: 'paused',
        }),
        event(titleCase, 'credit_title', 'voluntary_term_resumed', '2026-11-13T15:00:00Z', {
          number: 'TC-2026-000123',
          status: 'running',
          notifiedAt: '2026-11-09T15:00:00.000Z',
          deadline: localDateToInstant(termEndsOn, 'end').toISOString(),
        }),
      ],
    });

    // As workflows/coactiva.ts records them.
    await prisma.caseEvent.createMany({
      data: [
        event(coactivaCase, 'credit_title', 'credit_title_issued', '2026-08-03T15:00:00Z', {
          ...title(1, '2026-08-03'),
          number: 'TC-2026-000100',
        }),
        event(coactivaCase, 'coactiva', 'coactiva_opened', '2026-10-01T15:00:00Z', {
          titleNumber: 'TC-2026-000100',
          balanceCents: 12_000,
        }),
        event(coactivaCase, 'coactiva', 'orden_pago_issued', '2026-10-05T15:00:00Z', {
          paymentOrderNumber: 'OPI-2026-000007',
          titleNumber: 'TC-2026-000100',
          balanceCents: 12_000,
          deadline: '2026-10-09T04:59:59.999Z',
          deadlineOn: '2026-10-08',
          term: { amount: 3, unit: 'businessDays' },
        }),
        event(coactivaCase, 'coactiva', 'orden_pago_term_expired', '2026-10-09T05:00:00Z', {
          paymentOrderNumber: 'OPI-2026-000007',
        }),
        event(coactivaCase, 'coactiva', 'retention_ordered', '2026-10-09T05:00:01Z', {
          key: 'x:retenciones',
          amountCents: 12_000,
        }),
        event(coactivaCase, 'coactiva', 'retention_response', '2026-10-09T06:00:00Z', {
          institution: 'Banco del Pacífico',
          status: 'retained',
        }),
        event(
          coactivaCase,
          'coactiva',
          'embargo_recorded',
          '2026-10-20T15:00:00Z',
          {
            assets: 'vehículo',
            note: null,
          },
          api.users.legal.id,
        ),
      ],
    });
    // The executor's decision task, due at the end of the second business day from today.
    taskDueOn = addBusinessDays(today, 2, POLICY.calendar);
    await prisma.task.createMany({
      data: [
        {
          id: randomUUID(),
          caseId: coactivaCase,
          workflowId: 'wf-coactiva',
          type: 'coactiva_decision',
          role: 'legal',
          priority: 900,
          dueAt: localDateToInstant(taskDueOn, 'end'),
          payload: { title: 'Decidir coactiva: orden OPI-2026-000007 ($120,00)' },
        },
        {
          id: randomUUID(),
          caseId: titleCase,
          workflowId: 'wf-title',
          type: 'coactiva_intake',
          role: 'legal',
          priority: 600,
          dueAt: localDateToInstant(addCalendarDays(today, 30), 'end'),
          payload: { title: 'Más tarde' },
        },
        {
          id: randomUUID(),
          caseId: titleCase,
          workflowId: 'wf-title',
          type: 'notify_credit_title',
          role: 'collector',
          status: 'done',
          priority: 600,
          dueAt: new Date('2026-11-01T12:00:00Z'),
          payload: { title: 'Hecha' },
        },
      ],
    });
  });
  afterAll(() => api?.close());

  const inbox = async (query: Record<string, string> = {}, role: 'legal' | 'manager' = 'legal') => {
    const r = await api.call<Inbox>('get', '/api/legal/cases', { token: api.tokens[role], query });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body;
  };

  it('lists the open título and coactiva cases by priority', async () => {
    const r = await inbox();
    expect(r.total).toBe(2);
    expect(r.items.map((i) => [i.case.id, i.case.stage])).toEqual([
      [coactivaCase, 'coactiva'],
      [titleCase, 'credit_title'],
    ]);
    expect(r.items[0]!.case).toMatchObject({ balance: '120.00', idNumber: expect.any(String) });
  });

  it('shows the título, its validation and notification, and the voluntary term', async () => {
    const item = (await inbox({ stage: 'credit_title' })).items[0]!;
    expect(item).toMatchObject({
      titleNumber: 'TC-2026-000123',
      titleIssuedOn: '2026-11-03', // the corrected version in force
      titleValidatedOn: '2026-11-04',
      notifiedOn: '2026-11-09',
      notificationMethod: 'boleta',
      voluntaryTermEndsOn: termEndsOn, // as resumed after the pause
      paymentOrderOn: null,
      paymentOrderNumber: null,
      paymentOrderTermEndsOn: null,
      measures: [],
    });
    // The term ends before the open task: it is the next deadline, counted without the
    // policy's decreed holiday (one business day fewer than the plain calendar says).
    expect(item.nextDeadline).toEqual({
      label: 'Fin del plazo de pago voluntario',
      on: termEndsOn,
      businessDaysLeft: 4,
    });
    expect(businessDaysBetween(today, termEndsOn)).toBe(5);
    expect(item.openTasks.map((t) => t.title)).toEqual(['Más tarde']);
  });

  it('shows the orden de pago, its term and the medidas cautelares of a coactiva', async () => {
    const item = (await inbox({ stage: 'coactiva' }, 'manager')).items[0]!;
    expect(item).toMatchObject({
      titleNumber: 'TC-2026-000100',
      titleIssuedOn: '2026-08-03',
      titleValidatedOn: null,
      notifiedOn: null,
      notificationMethod: null,
      voluntaryTermEndsOn: null,
      paymentOrderOn: '2026-10-05',
      paymentOrderNumber: 'OPI-2026-000007',
      paymentOrderTermEndsOn: '2026-10-08',
      measures: [
        { kind: 'retention', orderedOn: '2026-10-09', number: null },
        { kind: 'embargo', orderedOn: '2026-10-20', number: null },
      ],
    });
    // The orden's term has expired: the executor's task is what comes next.
    expect(item.nextDeadline).toEqual({
      label: 'Decidir coactiva: orden OPI-2026-000007 ($120,00)',
      on: taskDueOn,
      businessDaysLeft: 2,
    });
  });

  it('paginates; refuses collectors and bad stages', async () => {
    const page2 = await inbox({ pageSize: '1', page: '2' });
    expect(page2).toMatchObject({ total: 2, page: 2, pageSize: 1 });
    expect(page2.items.map((i) => i.case.id)).toEqual([titleCase]);
    const collector = await api.call('get', '/api/legal/cases', { token: api.tokens.collector });
    expect(collector.status).toBe(403);
    const bad = await api.call('get', '/api/legal/cases', {
      token: api.tokens.legal,
      query: { stage: 'reminder' },
    });
    expect(bad.status).toBe(400);
  });
});
