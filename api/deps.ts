/** Everything the HTTP app needs, passed in by whoever builds it (start script or tests). */
import type { Client } from '@temporalio/client';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { BillingMirror } from '../activities/billing/simulator.js';
import type { PolicyRecord } from '../store/policy.js';
import type { PrismaClient } from '../prisma/client.js';
import type { Metrics } from './metrics.js';
import type { LoginRateLimit } from './security.js';

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
  /**
   * The bundled billing simulator, told every account an upload imports (it plays the
   * commercial system the export came from). @default none: billing is a real system
   */
  billingMirror?: BillingMirror;
  /** Largest portfolio export accepted, in bytes. @default 200 MiB (MAX_UPLOAD_BYTES) */
  maxUploadBytes?: number;
  /** Temporal Web UI base URL for links from case pages, if any. */
  temporalUiUrl?: string;
  /** Built web app to serve at /, if any. */
  webDir?: string;
  /** Checks that PostgreSQL and Temporal answer, for /readyz. */
  readiness?: () => Promise<Record<string, boolean>>;
  /** Outside systems allowed on `apiKey` routes: system name → key. @default {} (none) */
  apiKeys?: Record<string, string>;
  /**
   * Check every answer against the route table's schema and fail with 500 on drift.
   * Pass `config.env !== 'production'`. @default true
   */
  validateResponses?: boolean;
  /**
   * Express `trust proxy`: which proxies may name the client address (X-Forwarded-For).
   * @default 'loopback'
   */
  trustProxy?: string | number;
  /** Failed sign-ins allowed per address and username. @default 10 per 15 minutes */
  loginRateLimit?: LoginRateLimit;
  /**
   * Prometheus metrics of this process; pass the same object to the worker's
   * `activityFailureInterceptor` when it runs here. @default a registry of the app's own
   */
  metrics?: Metrics;
  /**
   * Bearer token that opens `GET /metrics` from any address. @default none: only direct
   * loopback callers are served
   */
  metricsToken?: string;
}
