/** Everything the HTTP app needs, passed in by whoever builds it (start script or tests). */
import type { Client } from '@temporalio/client';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { PolicyRecord } from '../activities/policy-store.js';
import type { PrismaClient } from '../prisma/client.js';

export interface AppDeps {
  prisma: PrismaClient;
  /** Raw pool for bulk work (imports) and plain SQL. */
  pool: pg.Pool;
  temporal: Client;
  taskQueue: string;
  namespace: string;
  log: Logger;
  /** The policy in force (read per request, since managers can change it). */
  policy: () => Promise<PolicyRecord>;
  /** Folder for uploaded files while they are imported. */
  uploadDir: string;
  /** Temporal Web UI base URL for links from case pages, if any. */
  temporalUiUrl?: string;
  /** Built web app to serve at /, if any. */
  webDir?: string;
  /** Checks that PostgreSQL and Temporal answer, for /readyz. */
  readiness?: () => Promise<Record<string, boolean>>;
}
