/**
 * Scheduled reports end to end on the test run's Temporal dev server: the schedules are created
 * once (an admin's edit survives a second ensure), a trigger runs the report workflow on a real
 * worker, and an in-process SMTP server receives exactly one mail with the XLSX; the activity
 * run twice (or twice at once) with the same key mails once.
 */
import net from 'node:net';
import type { Client } from '@temporalio/client';
import ExcelJS from 'exceljs';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createReportActivities, XLSX_TYPE } from '../../activities/reports.js';
import { createSmtpMailer, type Mailer } from '../../notifications/mailer.js';
import { previousMonth, previousIsoWeek } from '../../reports/periods.js';
import { XLSX_HEADER_ROW } from '../../reports/export.js';
import { cronOf, ensureReportSchedules, REPORT_TIMEZONE } from '../../temporal/schedules.js';
import {
  eventually,
  freshDatabase,
  temporalClient,
  uniqueTaskQueue,
  withWorker,
  type TestDatabase,
} from '../support/env.js';

const FROM = '"Aguas Machala EP" <cartera@aguasmachala.test>';

interface Received {
  envelopeTo: string[];
  mail: ParsedMail;
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

async function workbookOf(content: Buffer): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(content as unknown as ArrayBuffer);
  return wb;
}

describe('scheduled reports', () => {
  let db: TestDatabase;
  let client: Client;
  let server: SMTPServer;
  let mailer: Mailer;
  const received: Received[] = [];

  beforeAll(async () => {
    db = await freshDatabase();
    client = await temporalClient();
    const port = await freePort();
    server = new SMTPServer({
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData: (stream, session, cb) => {
        simpleParser(stream)
          .then((mail) => {
            received.push({ envelopeTo: session.envelope.rcptTo.map((r) => r.address), mail });
            cb();
          })
          .catch(cb);
      },
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    mailer = createSmtpMailer({
      host: '127.0.0.1',
      port,
      secure: false,
      requireTls: false,
      auth: undefined,
      from: FROM,
    });
    const user = (
      username: string,
      role: 'manager' | 'collector',
      email: string | null,
      active = true,
    ) =>
      db.prisma.user.create({
        data: { username, displayName: username, role, email, active, passwordHash: 'x' },
      });
    await user('supervisora', 'manager', 'supervisora@aguasmachala.test');
    await user('jefe', 'manager', 'jefe@aguasmachala.test');
    await user('sin-correo', 'manager', null);
    await user('retirado', 'manager', 'retirado@aguasmachala.test', false);
    await user('gestor', 'collector', 'gestor@aguasmachala.test');
  });
  afterAll(async () => {
    mailer?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await client?.connection.close();
    await db?.close();
  });
  beforeEach(() => {
    received.length = 0;
  });

  it('creates the schedules once, keeps an edit, and a trigger mails the XLSX once', async () => {
    const taskQueue = uniqueTaskQueue('reports');
    const idPrefix = `${taskQueue}-`;
    const monthlyId = `${idPrefix}report-monthly-portfolio`;
    const weeklyId = `${idPrefix}report-weekly-collectors`;
    try {
      expect(await ensureReportSchedules(client, taskQueue, { idPrefix })).toEqual([
        monthlyId,
        weeklyId,
      ]);
      const monthly = client.schedule.getHandle(monthlyId);
      const weekly = client.schedule.getHandle(weeklyId);
      const d = await monthly.describe();
      expect(cronOf(d)).toBe('0 7 1 * *');
      expect(cronOf(await weekly.describe())).toBe('0 7 * * 1');
      expect(d.spec.timezone).toBe(REPORT_TIMEZONE);
      expect(d.policies.overlap).toBe('SKIP');
      expect(d.policies.catchupWindow).toBe(24 * 3_600_000);
      // 07:00 in Guayaquil is 12:00 UTC, on the 1st.
      const next = d.info.nextActionTimes[0]!;
      expect(next.toISOString()).toMatch(/-01T12:00:00\.000Z$/);

      // An admin's change survives the next start.
      await weekly.update((prev) => ({
        ...prev,
        spec: { cronExpressions: ['30 8 * * 2'], timezone: REPORT_TIMEZONE },
      }));
      expect(await ensureReportSchedules(client, taskQueue, { idPrefix })).toEqual([]);
      expect(cronOf(await weekly.describe())).toBe('30 8 * * 2');

      await withWorker({ taskQueue, prisma: db.prisma, mailer }, async () => {
        await monthly.trigger();
        const described = await eventually(
          () => monthly.describe(),
          (x) => x.info.recentActions.length > 0,
        );
        const run = described.info.recentActions[0]!.action.workflow;
        const result = (await client.workflow
          .getHandle(run.workflowId, run.firstExecutionRunId)
          .result()) as { status: string; recipients: string[]; from: string; to: string };
        const period = previousMonth(new Date());
        expect(result).toMatchObject({ status: 'sent', from: period.from, to: period.to });
        expect(result.recipients.sort()).toEqual([
          'jefe@aguasmachala.test',
          'supervisora@aguasmachala.test',
        ]);
      });

      expect(received).toHaveLength(1);
      const { mail, envelopeTo } = received[0]!;
      expect(envelopeTo.sort()).toEqual([
        'jefe@aguasmachala.test',
        'supervisora@aguasmachala.test',
      ]);
      const period = previousMonth(new Date());
      expect(mail.subject).toBe(`Informe mensual de cartera: ${period.from} a ${period.to}`);
      expect(mail.text).toContain(`periodo ${period.from} a ${period.to}`);
      expect(mail.attachments).toHaveLength(1);
      const att = mail.attachments[0]!;
      expect(att.contentType).toBe(XLSX_TYPE);
      expect(att.filename).toBe(`informe-mensual-cartera-${period.from}_${period.to}.xlsx`);
      const wb = await workbookOf(att.content);
      // Every sheet of the portfolio report.
      expect(wb.worksheets.map((w) => w.name)).toEqual(
        expect.arrayContaining(['Morosidad', 'Productividad', 'Recuperación por gestor']),
      );
      const ws = wb.getWorksheet('Morosidad')!;
      expect(String(ws.getCell(1, 1).value)).toBe(`Índice de morosidad al ${period.today}`);
      expect(String(ws.getCell(2, 1).value)).toContain(`Periodo: ${period.from} a ${period.to}`);
      expect(ws.getCell(XLSX_HEADER_ROW, 1).value).toBe('Saldo vencido');
    } finally {
      for (const id of [monthlyId, weeklyId])
        await client.schedule
          .getHandle(id)
          .delete()
          .catch(() => undefined);
    }
  });

  it('the same key mails once, even twice at once', async () => {
    const { sendScheduledReport } = createReportActivities({
      prisma: db.prisma,
      mailer,
      mailFrom: FROM,
    });
    const period = previousIsoWeek(new Date('2026-11-30T12:00:00Z'));
    const input = {
      report: 'weekly_collectors' as const,
      ...period,
      key: `wf-${Date.now()}:weekly_collectors:${period.from}_${period.to}`,
    };
    const [a, b] = await Promise.all([sendScheduledReport(input), sendScheduledReport(input)]);
    const again = await sendScheduledReport(input);
    expect([a.status, b.status].sort()).toEqual(['already_sent', 'sent']);
    expect(again.status).toBe('already_sent');
    expect(again.recipients.sort()).toEqual([
      'jefe@aguasmachala.test',
      'supervisora@aguasmachala.test',
    ]);
    expect(received).toHaveLength(1);
    const mail = received[0]!.mail;
    expect(mail.subject).toBe('Informe semanal de gestores: 2026-11-23 a 2026-11-29');
    const wb = await workbookOf(mail.attachments[0]!.content);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Productividad', 'Recuperación por gestor']);
    expect(String(wb.worksheets[0]!.getCell(2, 1).value)).toContain(
      'Periodo: 2026-11-23 a 2026-11-29',
    );
    expect(
      await db.prisma.auditLog.count({ where: { action: 'report.sent', entityId: input.key } }),
    ).toBe(1);

    // A different run of the same period is a new report.
    const other = await sendScheduledReport({ ...input, key: `${input.key}:otra` });
    expect(other.status).toBe('sent');
    expect(received).toHaveLength(2);
  });

  it('without a mailer the activity fails without retrying, saying why', async () => {
    const { sendScheduledReport } = createReportActivities({ prisma: db.prisma });
    await expect(
      sendScheduledReport({
        report: 'monthly_portfolio',
        ...previousMonth(new Date()),
        key: 'sin-correo',
      }),
    ).rejects.toThrow(/servidor de correo/);
    expect(received).toHaveLength(0);
  });
});
