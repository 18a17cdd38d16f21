/**
 * A scheduled report (temporal/schedules.ts starts one per firing): the period comes from the
 * workflow's own clock (deterministic on replay), one activity builds the XLSX and mails it.
 */
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { ReportActivities, ScheduledReportResult } from '../activities/reports.js';
import { reportPeriod, reportRunKey, type ScheduledReport } from '../reports/periods.js';

const reports = proxyActivities<ReportActivities>({
  // The workbook over the whole portfolio plus the SMTP exchange.
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '30 seconds', backoffCoefficient: 2, maximumAttempts: 8 },
});

export interface ScheduledReportInput {
  report: ScheduledReport;
}

export async function scheduledReportWorkflow(
  input: ScheduledReportInput,
): Promise<ScheduledReportResult> {
  const period = reportPeriod(input.report, new Date());
  const key = reportRunKey(workflowInfo().workflowId, input.report, period);
  return reports.sendScheduledReport({ report: input.report, ...period, key });
}
