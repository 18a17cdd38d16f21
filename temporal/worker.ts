/** The case worker: workflows from the bundle, activities built over injected clients. */
import { Worker, type NativeConnection } from '@temporalio/worker';
import { existsSync } from 'node:fs';
import { createCaseStoreActivities } from '../activities/case-store.js';
import type { PrismaClient } from '../prisma/client.js';
import { BUNDLE_PATH, WORKFLOWS_PATH } from './bundle.js';

export interface CaseWorkerDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  prisma: PrismaClient;
  /** Use the prebuilt bundle in dist/ (built at start) instead of bundling now. @default false */
  preferBundle?: boolean;
  /** Workflow tasks and activities run at once. @default SDK defaults */
  maxConcurrentActivities?: number;
}

export function activitiesFor(deps: Pick<CaseWorkerDeps, 'prisma'>) {
  return { ...createCaseStoreActivities({ prisma: deps.prisma }) };
}

export async function createCaseWorker(deps: CaseWorkerDeps): Promise<Worker> {
  const useBundle = (deps.preferBundle ?? false) && existsSync(BUNDLE_PATH);
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    ...(useBundle
      ? { workflowBundle: { codePath: BUNDLE_PATH } }
      : { workflowsPath: WORKFLOWS_PATH }),
    activities: activitiesFor(deps),
    ...(deps.maxConcurrentActivities
      ? { maxConcurrentActivityTaskExecutions: deps.maxConcurrentActivities }
      : {}),
  });
}
