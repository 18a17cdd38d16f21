/**
 * Scheduled reports (temporal/schedules.ts → workflows/reports.ts): builds the XLSX with the
 * same builders as GET /api/reports (reports/export.ts) and e-mails it to the managers.
 *
 * Idempotent per key (workflow id + report + period): the send is recorded as an AuditLog row
 * `report.sent` (entityId = key) in the transaction that holds an advisory lock on the key, so a
 * retried or concurrent attempt finds the row and does not mail again. The Message-ID is derived
 * from the key too, so the one remaining gap (mail accepted, commit lost) is recognisable.
 */
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import type { Prisma, PrismaClient } from '../prisma/client.js';
import { senderDomain, type Mailer } from '../notifications/mailer.js';
import { buildReport, reportToXlsx, type Report } from '../reports/export.js';
import type { ReportPeriod, ScheduledReport } from '../reports/periods.js';

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export const SCHEDULED_REPORT_TITLES: Record<ScheduledReport, string> = {
  monthly_portfolio: 'Informe mensual de cartera',
  weekly_collectors: 'Informe semanal de gestores',
};

export interface SendScheduledReport extends ReportPeriod {
  report: ScheduledReport;
  /** Idempotency key: workflow id + report + period (reports/periods.ts reportRunKey). */
  key: string;
}

export interface ScheduledReportResult {
  status: 'sent' | 'already_sent' | 'no_recipients';
  report: ScheduledReport;
  from: string;
  to: string;
  recipients: string[];
  fileName: string;
  messageId: string | null;
}

/** Active managers with an e-mail address: who receives the scheduled reports. */
export async function reportRecipients(prisma: PrismaClient): Promise<string[]> {
  const users = await prisma.user.findMany({
    where: { role: 'manager', active: true, email: { not: null } },
    select: { email: true },
    orderBy: { username: 'asc' },
  });
  return [...new Set(users.map((u) => u.email?.trim() ?? '').filter((e) => e.includes('@')))];
}

/** The workbook: every sheet of `cartera`, or productivity + recovery by collector. */
async function buildScheduledReport(
  prisma: PrismaClient,
  input: SendScheduledReport,
): Promise<Report> {
  const scope = { from: input.from, to: input.to, today: input.today };
  const title = SCHEDULED_REPORT_TITLES[input.report];
  if (input.report === 'monthly_portfolio') {
    const r = await buildReport(prisma, 'cartera', scope);
    return { ...r, title };
  }
  const [productivity, byCollector] = await Promise.all([
    buildReport(prisma, 'productividad', scope),
    buildReport(prisma, 'recuperacion-gestores', scope),
  ]);
  return {
    name: 'productividad',
    title,
    tables: [...productivity.tables, ...byCollector.tables],
  };
}

function fileNameOf(input: SendScheduledReport): string {
  const base =
    input.report === 'monthly_portfolio' ? 'informe-mensual-cartera' : 'informe-semanal-gestores';
  return `${base}-${input.from}_${input.to}.xlsx`;
}

/** A 64-bit advisory lock number from the key (PostgreSQL bigint). */
function lockNumber(key: string): bigint {
  return createHash('sha256').update(`scheduled-report:${key}`).digest().readBigInt64BE(0);
}

export interface ReportActivityDeps {
  prisma: PrismaClient;
  /** Without a mailer the activity fails without retries, saying so. */
  mailer?: Mailer | undefined;
  /** Sender address, for the Message-ID's domain. */
  mailFrom?: string | undefined;
}

export function createReportActivities(deps: ReportActivityDeps) {
  const { prisma } = deps;
  return {
    async sendScheduledReport(input: SendScheduledReport): Promise<ScheduledReportResult> {
      const mailer = deps.mailer;
      if (!mailer)
        throw ApplicationFailure.nonRetryable(
          'No hay servidor de correo configurado para los informes programados',
          'mailer_missing',
        );
      const fileName = fileNameOf(input);
      const messageId = `<report-${createHash('sha256').update(input.key).digest('hex').slice(0, 32)}@${senderDomain(deps.mailFrom ?? '')}>`;
      const base = { report: input.report, from: input.from, to: input.to, fileName };
      return prisma.$transaction(
        async (tx) => {
          await tx.$executeRaw`SELECT pg_advisory_xact_lock(${lockNumber(input.key)})`;
          const done = await tx.auditLog.findFirst({
            where: { action: 'report.sent', entity: 'scheduled_report', entityId: input.key },
          });
          if (done) {
            const after = (done.after ?? {}) as { recipients?: string[]; messageId?: string };
            return {
              ...base,
              status: 'already_sent' as const,
              recipients: after.recipients ?? [],
              messageId: after.messageId ?? messageId,
            };
          }
          const recipients = await reportRecipients(prisma);
          if (recipients.length === 0)
            return { ...base, status: 'no_recipients' as const, recipients, messageId: null };

          const report = await buildScheduledReport(prisma, input);
          const xlsx = await reportToXlsx(
            report,
            { scope: { from: input.from, to: input.to, today: input.today } },
            new Date(),
          );
          const title = SCHEDULED_REPORT_TITLES[input.report];
          const receipt = await mailer.send({
            to: recipients,
            subject: `${title}: ${input.from} a ${input.to}`,
            text: [
              'Estimado/a supervisor/a:',
              '',
              `Adjunto el ${title.toLowerCase()} del periodo ${input.from} a ${input.to} (saldos al ${input.today}).`,
              'Las cifras son las mismas del tablero de indicadores con ese periodo.',
              '',
              'Este mensaje se envía automáticamente desde Cartera — Aguas Machala EP.',
            ].join('\n'),
            attachments: [{ filename: fileName, content: xlsx, contentType: XLSX_TYPE }],
            messageId,
          });
          const after = {
            report: input.report,
            from: input.from,
            to: input.to,
            recipients,
            messageId: receipt.messageId,
            bytes: xlsx.length,
          };
          await tx.auditLog.create({
            data: {
              actorId: 'scheduler',
              actorKind: 'system',
              action: 'report.sent',
              entity: 'scheduled_report',
              entityId: input.key,
              after: after as Prisma.InputJsonValue,
            },
          });
          return { ...base, status: 'sent' as const, recipients, messageId: receipt.messageId };
        },
        // The XLSX and the SMTP exchange happen while the lock is held.
        { timeout: 120_000, maxWait: 10_000 },
      );
    },
  };
}

export type ReportActivities = ReturnType<typeof createReportActivities>;
