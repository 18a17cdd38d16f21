/**
 * Portfolio intake against real PostgreSQL and Temporal: an export with bad rows keeps every
 * good row, reports every bad one by line, opens exactly one case workflow per eligible
 * account, and a re-import changes nothing.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPayloadConverter } from '@temporalio/common';
import { DEFAULT_POLICY } from '../../domain/policy.js';
import { makeCedula } from '../../domain/ecuador-id.js';
import { applyRemissionCampaign } from '../../campaigns/remission.js';
import { runIntake } from '../../intake/intake.js';
import { caseWorkflowId } from '../../temporal/workflow-ids.js';
import {
  caseViewQuery,
  paymentReceivedSignal,
  type CaseWorkflowInput,
} from '../../workflows/messages.js';
import {
  eventually,
  freshDatabase,
  temporalClient,
  uniqueTaskQueue,
  withWorker,
  type TestDatabase,
} from '../support/env.js';

const HEADER =
  'cuenta,cedula_ruc,titular,direccion,sector,ruta,categoria,telefono,email,factura,emision,vencimiento,valor,saldo,proteccion';
const policy = { policy: DEFAULT_POLICY, version: 1 };
const asOf = '2026-11-28';

function csv(lines: string[]): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cartera-intake-'));
  const file = path.join(dir, 'export.csv');
  writeFileSync(file, `${[HEADER, ...lines].join('\n')}\n`);
  return file;
}

describe('portfolio intake', () => {
  let db: TestDatabase;
  let client: Client;
  const prefix = `T${Date.now().toString(36).slice(-5)}`;
  const acct = (n: number) => `${prefix}${String(n).padStart(3, '0')}`;
  const ced = (n: number) => makeCedula(7, String(100000 + n));

  beforeAll(async () => {
    db = await freshDatabase();
    client = await temporalClient();
  });
  afterAll(async () => {
    await db.close();
    await client.connection.close();
  });

  it('imports good rows, reports bad rows by line and field, opens one case per eligible account', async () => {
    const taskQueue = uniqueTaskQueue('intake');
    const file = csv([
      // account 1: two overdue bills → opens (minOverdueInvoices = 2)
      `${acct(1)},${ced(1)},Ana Pérez,"Av. 25 de Junio y Guayas, Mz 3",Centro,R-01-01,residencial,0991234567,ana@example.ec,F-${prefix}-1,2026-08-01,2026-08-31,12.50,12.50,`,
      `${acct(1)},${ced(1)},Ana Pérez,"Av. 25 de Junio y Guayas, Mz 3",Centro,R-01-01,residencial,0991234567,ana@example.ec,F-${prefix}-2,2026-09-01,2026-10-01,13.00,13.00,`,
      // line 4: bad cédula check digit, bad date
      `${acct(2)},0701000000,Luis Mora,Calle Bolívar,Centro,R-01-02,residencial,,,F-${prefix}-3,31/02/2026,2026-10-01,10.00,10.00,`,
      // account 3: one small recent bill → no case
      `${acct(3)},${ced(3)},Rosa Vera,Calle Rocafuerte,Puerto Bolívar,R-02-01,comercial,072123456,,F-${prefix}-4,2026-10-01,2026-10-31,20.00,20.00,`,
      // line 6: saldo greater than valor
      `${acct(4)},${ced(4)},Pedro Ríos,Calle Sucre,Centro,R-01-03,residencial,,,F-${prefix}-5,2026-05-01,2026-05-31,10.00,15.00,`,
      // account 5: one bill but 120+ days past due → opens; hospital is protected
      `${acct(5)},${ced(5)},Hospital del Día,Av. Las Palmeras,El Cambio,R-03-01,publica,,,F-${prefix}-6,2026-06-01,2026-07-01,300.00,300.00,hospital`,
      // line 8: exact duplicate of line 2 (skipped, not an error)
      `${acct(1)},${ced(1)},Ana Pérez,"Av. 25 de Junio y Guayas, Mz 3",Centro,R-01-01,residencial,0991234567,ana@example.ec,F-${prefix}-1,2026-08-01,2026-08-31,12.50,12.50,`,
    ]);

    await withWorker({ taskQueue, prisma: db.prisma }, async () => {
      const report = await runIntake(
        { pool: db.pool, temporal: client, taskQueue },
        { filePath: file, fileName: 'export.csv' },
        { createdBy: 'system', policy, asOf },
      );
      expect(report.import.status).toBe('succeeded');
      expect(report.import.rowsRead).toBe(7);
      expect(report.import.goodRows).toBe(4);
      expect(report.import.duplicateRows).toBe(1);
      expect(report.import.badRows).toBe(2);
      expect(report.import.errors).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ line: 4, field: 'cedula_ruc' }),
          expect.objectContaining({ line: 4, field: 'emision' }),
          expect.objectContaining({ line: 6, field: 'saldo' }),
        ]),
      );
      expect(report.cases).toMatchObject({ eligible: 2, opened: 2, alreadyOpen: 0, failed: [] });

      const cases = await eventually(
        () =>
          db.prisma.case.findMany({
            include: { account: true },
            orderBy: { account: { number: 'asc' } },
          }),
        (rows) => rows.length === 2,
      );
      expect(cases.map((c) => c.account.number)).toEqual([acct(1), acct(5)]);
      expect(cases[0]).toMatchObject({
        balanceCents: 2550,
        overdueInvoices: 2,
        protected: false,
        stage: 'reminder',
      });
      expect(cases[1]).toMatchObject({ balanceCents: 30000, protected: true });
      const events = await db.prisma.caseEvent.findMany({ where: { caseId: cases[0]!.id } });
      // The timeline starts with the opening; the reminder stage follows at once.
      expect(events.map((e) => e.type)[0]).toBe('case_opened');

      const handle = client.workflow.getHandle(caseWorkflowId(acct(1)));
      expect(await handle.query(caseViewQuery)).toMatchObject({
        stage: 'reminder',
        status: 'open',
        balanceCents: 2550,
      });
      // The case runs on the policy it opened under (the workflow falls back to the defaults
      // without it, whatever version the import recorded).
      const history = await handle.fetchHistory();
      const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
      const input = defaultPayloadConverter.fromPayload<CaseWorkflowInput>(
        started!.input!.payloads![0]!,
      );
      expect(input.policy).toEqual(policy.policy);
      expect(input.policyVersion).toBe(policy.version);

      // The same file again: nothing changes and no second case opens.
      const again = await runIntake(
        { pool: db.pool, temporal: client, taskQueue },
        { filePath: file, fileName: 'export.csv' },
        { createdBy: 'system', policy, asOf },
      );
      expect(again.import).toMatchObject({
        status: 'succeeded',
        accountsUpserted: 0,
        invoicesChanged: 0,
      });
      expect(again.cases).toMatchObject({ eligible: 0, opened: 0 });
      expect(again.balanceUpdates).toBe(0);
      expect(await db.prisma.case.count()).toBe(2);

      // A payment (sent twice) settles account 1's case exactly once and closes it.
      const payment = {
        reference: `PAY-${prefix}-1`,
        amountCents: 2550,
        paidAt: '2026-11-28T15:00:00Z',
        source: 'treasury',
      };
      await handle.signal(paymentReceivedSignal, payment);
      await handle.signal(paymentReceivedSignal, payment);
      const result = await handle.result();
      expect(result).toMatchObject({
        status: 'closed',
        closeReason: 'paid',
        balanceCents: 0,
        paymentsApplied: 1,
      });
      const closed = await db.prisma.case.findUniqueOrThrow({ where: { id: cases[0]!.id } });
      expect(closed).toMatchObject({
        status: 'closed',
        stage: 'closed',
        openKey: null,
        closeReason: 'paid',
      });
      expect(await db.prisma.payment.count({ where: { reference: payment.reference } })).toBe(1);
      const invoices = await db.prisma.invoice.findMany({
        where: { account: { number: acct(1) } },
      });
      expect(invoices.map((i) => i.balanceCents)).toEqual([0, 0]);
    });
  });

  it('a newer export updates balances of running cases', async () => {
    const taskQueue = uniqueTaskQueue('intake-newer');
    const line = (saldo: string) =>
      `${acct(10)},${ced(10)},Marta Cruz,Calle Olmedo,Centro,R-01-09,residencial,,,F-${prefix}-10,2026-01-01,2026-01-31,40.00,${saldo},`;
    await withWorker({ taskQueue, prisma: db.prisma }, async () => {
      const first = await runIntake(
        { pool: db.pool, temporal: client, taskQueue },
        { filePath: csv([line('40.00')]), fileName: 'a.csv' },
        { createdBy: 'system', policy, asOf },
      );
      expect(first.cases?.opened).toBe(1);
      // Once the case row exists, a newer export reaches the case by signal.
      await eventually(
        () => db.prisma.case.count({ where: { account: { number: acct(10) } } }),
        (n) => n === 1,
      );
      const newer = await runIntake(
        { pool: db.pool, temporal: client, taskQueue },
        { filePath: csv([line('15.00')]), fileName: 'b.csv' },
        { createdBy: 'system', policy, asOf },
      );
      expect(newer.import.invoicesChanged).toBe(1);
      expect(newer.balanceUpdates).toBe(1);
      const handle = client.workflow.getHandle(caseWorkflowId(acct(10)));
      const view = await eventually(
        () => handle.query(caseViewQuery),
        (v) => v.balanceCents === 1500,
      );
      expect(view.balanceCents).toBe(1500);
      const row = await eventually(
        () => db.prisma.case.findFirstOrThrow({ where: { account: { number: acct(10) } } }),
        (c) => c.balanceCents === 1500,
      );
      expect(row.balanceCents).toBe(1500);
    });
  });

  it('a remission campaign reaches every open case once, however often it is run', async () => {
    const taskQueue = uniqueTaskQueue('remission');
    const line = (n: number) =>
      `${acct(n)},${ced(n)},Caso ${n},Calle ${n},Remisión,R-09-0${n},residencial,,,F-${prefix}-${n},2026-01-01,2026-01-31,60.00,60.00,`;
    await withWorker({ taskQueue, prisma: db.prisma }, async () => {
      const report = await runIntake(
        { pool: db.pool, temporal: client, taskQueue },
        { filePath: csv([line(21), line(22)]), fileName: 'r.csv' },
        { createdBy: 'system', policy, asOf },
      );
      expect(report.cases?.opened).toBe(2);
      const caseIds = await eventually(
        async () =>
          (await db.prisma.case.findMany({ where: { account: { sector: 'Remisión' } } })).map(
            (c) => c.id,
          ),
        (ids) => ids.length === 2,
      );
      const campaign = { campaignId: `ORD-${prefix}`, finesWaiverBp: 10_000, sector: 'Remisión' };
      expect(await applyRemissionCampaign({ pool: db.pool, temporal: client }, campaign)).toEqual({
        signalled: 2,
        closedMeanwhile: 0,
      });
      await applyRemissionCampaign({ pool: db.pool, temporal: client }, campaign);
      const applied = await eventually(
        () =>
          db.prisma.caseEvent.findMany({
            where: { caseId: { in: caseIds }, type: 'remission_applied' },
          }),
        (rows) => rows.length >= 2,
      );
      // A little longer: a second application would show up as a third event.
      await new Promise((r) => setTimeout(r, 1_000));
      expect(
        await db.prisma.caseEvent.count({
          where: { caseId: { in: caseIds }, type: 'remission_applied' },
        }),
      ).toBe(2);
      expect(new Set(applied.map((e) => e.caseId))).toEqual(new Set(caseIds));
    });
  });
});
