/** The case worker: workflows from the bundle, activities built over injected clients. */
import {
  Worker,
  type ActivityInterceptorsFactory,
  type NativeConnection,
} from '@temporalio/worker';
import { existsSync } from 'node:fs';
import { createAgreementActivities } from '../activities/agreement.js';
import type { BanksPort } from '../activities/banks.js';
import type { BillingAdapter } from '../activities/billing/port.js';
import { createCaseStoreActivities } from '../activities/case-store.js';
import { createCoactivaActivities } from '../activities/coactiva.js';
import { createCreditTitleActivities } from '../activities/credit-title.js';
import type { FieldOpsAdapter } from '../activities/field-ops.js';
import type { NotaryAdapter } from '../activities/notaries.js';
import { createNoticeActivities } from '../activities/notices.js';
import { createReportActivities } from '../activities/reports.js';
import { createSuspensionActivities } from '../activities/suspension.js';
import { createTaskActivities } from '../activities/tasks.js';
import type { Mailer } from '../notifications/mailer.js';
import type { PrismaClient } from '../prisma/client.js';
import { BUNDLE_PATH, WORKFLOWS_PATH } from './bundle.js';

/** Clients of our database and of the outside systems the activities talk to. */
export interface ActivityDeps {
  prisma: PrismaClient;
  billing: BillingAdapter;
  fieldOps: FieldOpsAdapter;
  notaries: NotaryAdapter;
  banks: BanksPort;
  /** Mails the scheduled reports; without it that activity fails, saying so. */
  mailer?: Mailer;
  /** Sender address of the mailer (for Message-IDs). */
  mailFrom?: string;
}

/** Every activity the case workflows call, by name. */
export function activitiesFor(deps: ActivityDeps) {
  const { prisma } = deps;
  return {
    ...createCaseStoreActivities({ prisma }),
    ...createTaskActivities({ prisma }),
    ...createNoticeActivities({ prisma }),
    ...createAgreementActivities({ prisma, billing: deps.billing, notaries: deps.notaries }),
    ...createSuspensionActivities({ prisma, billing: deps.billing, fieldOps: deps.fieldOps }),
    ...createCreditTitleActivities({ prisma }),
    ...createCoactivaActivities({ prisma, banks: deps.banks }),
    ...createReportActivities({ prisma, mailer: deps.mailer, mailFrom: deps.mailFrom }),
  };
}

export interface CaseWorkerDeps extends ActivityDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** Use the prebuilt bundle in dist/ (built at start) instead of bundling now. @default false */
  preferBundle?: boolean;
  /** A prebuilt bundle file to load (wins over `preferBundle`). */
  bundlePath?: string;
  /** Seconds running activities may finish after shutdown is asked. @default SDK default (0) */
  drainSeconds?: number;
  /** Activities run at once. @default SDK default */
  maxConcurrentActivities?: number;
  /**
   * Workflows kept in memory between tasks. Each costs about 1 MB; the rest are replayed from
   * history when they wake (cases sleep for days, so a small cache serves 100,000 cases).
   * @default 300
   */
  maxCachedWorkflows?: number;
  /** Activity interceptors (e.g. the metrics counter of failed attempts). */
  activityInterceptors?: ActivityInterceptorsFactory[];
}

export async function createCaseWorker(deps: CaseWorkerDeps): Promise<Worker> {
  const bundle =
    deps.bundlePath ??
    ((deps.preferBundle ?? false) && existsSync(BUNDLE_PATH) ? BUNDLE_PATH : undefined);
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    ...(bundle ? { workflowBundle: { codePath: bundle } } : { workflowsPath: WORKFLOWS_PATH }),
    activities: activitiesFor(deps),
    maxCachedWorkflows: deps.maxCachedWorkflows ?? 300,
    ...(deps.activityInterceptors ? { interceptors: { activity: deps.activityInterceptors } } : {}),
    ...(deps.drainSeconds !== undefined ? { shutdownGraceTime: `${deps.drainSeconds}s` } : {}),
    ...(deps.maxConcurrentActivities
      ? { maxConcurrentActivityTaskExecutions: deps.maxConcurrentActivities }
      : {}),
  });
}
