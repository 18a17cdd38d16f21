/**
 * The one module that reads the environment. Everything else receives a typed Config.
 * Defaults run the whole system locally on embedded services under .data/.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** Absolute path of the repository root. */
export const ROOT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const port = z.coerce.number().int().min(1).max(65_535);
const flag = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', ''])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');
const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Where embedded services keep their data. */
  CARTERA_DATA_DIR: z.string().default('.data'),
  /** A managed PostgreSQL; when unset an embedded server runs under CARTERA_DATA_DIR. */
  DATABASE_URL: optionalText.pipe(z.url({ protocol: /^postgres(ql)?$/ }).optional()),
  EMBEDDED_PG_PORT: port.default(54329),
  /** A Temporal cluster (host:port); when unset a local dev server runs under CARTERA_DATA_DIR. */
  TEMPORAL_ADDRESS: optionalText,
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('cartera-cases'),
  /** mTLS client certificate and key (PEM files), e.g. for Temporal Cloud. */
  TEMPORAL_TLS_CERT_PATH: optionalText,
  TEMPORAL_TLS_KEY_PATH: optionalText,
  /** CA bundle for a self-hosted cluster with its own CA. */
  TEMPORAL_TLS_CA_PATH: optionalText,
  TEMPORAL_TLS_SERVER_NAME: optionalText,
  /** TLS without client certificates (e.g. Temporal Cloud API keys). */
  TEMPORAL_TLS: flag.default(false),
  TEMPORAL_API_KEY: optionalText,
  TEMPORAL_DEV_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  /** Base URL of the Temporal Web UI, for links from case pages. */
  TEMPORAL_UI_URL: optionalText,
  TEMPORAL_CLI_PATH: optionalText,
  TEMPORAL_TEST_SERVER_PATH: optionalText,
  API_HOST: z.string().default('127.0.0.1'),
  /**
   * Which proxies in front of the API to trust for the client address (Express `trust proxy`):
   * a hop count (`1`) or a list of addresses/subnets (`loopback, uniquelocal`, `10.0.0.0/8`).
   * Behind a load balancer on another host, set it so sign-in limits and the audit log see
   * the client, not the balancer.
   * @default loopback
   */
  CARTERA_TRUST_PROXY: z
    .string()
    .trim()
    .min(1)
    .default('loopback')
    .transform((v) => (/^\d+$/.test(v) ? Number(v) : v)),
  API_PORT: port.default(3000),
  /** The utility's commercial system; when unset the bundled billing simulator is started. */
  BILLING_URL: optionalText,
  BILLING_API_KEY: optionalText,
  /** Field operations (suspension/reconnection crews), notaries and banks; simulated when unset. */
  FIELD_OPS_URL: optionalText,
  NOTARIES_URL: optionalText,
  BANKS_URL: optionalText,
  /** Port of the bundled simulators of the outside systems that are not configured. */
  BILLING_SIMULATOR_PORT: port.default(3100),
  /** A policy file (JSON, partial allowed) to load at start, e.g. policies/training.json. */
  CARTERA_POLICY: optionalText,
  /**
   * Load the demo portfolio and the demo users (published password) on first start.
   * Refused in production. @default true, false when NODE_ENV=production
   */
  CARTERA_DEMO: flag.optional(),
  CARTERA_DEMO_ACCOUNTS: z.coerce.number().int().min(100).max(500_000).default(8_000),
  CARTERA_DEMO_SEED: z.coerce.number().int().default(20_261_128),
  /** Chromium for the browser tests (Debian's package: `apt-get install chromium`). */
  CARTERA_CHROMIUM: z.string().trim().min(1).default('/usr/bin/chromium'),
  /**
   * API keys of the systems that push data (e.g. `billing=k1,treasury=k2`): they may call the
   * routes marked for systems (payments). Keys must be at least 24 characters.
   */
  CARTERA_API_KEYS: z
    .string()
    .default('')
    .transform((v, ctx) => {
      const keys: Record<string, string> = {};
      for (const pair of v
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean)) {
        const [system, key] = pair.split('=').map((x) => x.trim());
        if (!system || !key || key.length < 24) {
          ctx.addIssue({
            code: 'custom',
            message: `"${system ?? pair}": use system=key with a key of 24+ characters`,
          });
          return z.NEVER;
        }
        keys[system] = key;
      }
      return keys;
    }),
  /**
   * Bearer token for GET /metrics from other hosts; without it only local callers may scrape.
   * At least 24 characters in production.
   */
  CARTERA_METRICS_TOKEN: optionalText,
  /**
   * First administrator of a new installation (`npm run setup` creates it when no admin
   * exists yet; it is never changed afterwards). At least 12 characters.
   */
  CARTERA_ADMIN_USERNAME: z.string().trim().min(3).default('admin'),
  CARTERA_ADMIN_PASSWORD: optionalText.pipe(z.string().min(12).optional()),
  /**
   * PostgreSQL connections of each process's Prisma client. A worker's activities wait for one
   * of these, so keep it near CARTERA_WORKER_ACTIVITIES. @default 20
   */
  CARTERA_DB_POOL: z.coerce.number().int().min(2).max(500).default(20),
  /**
   * Activities a worker runs at once. Most hold a database connection; far more than the pool
   * only turns waiting into transaction time-outs and retries. @default 32
   */
  CARTERA_WORKER_ACTIVITIES: z.coerce.number().int().min(1).max(1_000).default(32),
  /** Case workflows the worker keeps in memory (about 1 MB each). */
  CARTERA_WORKER_CACHE: z.coerce.number().int().min(10).max(100_000).default(300),
  /**
   * A prebuilt workflow bundle (`npm run build:workflows` writes dist/workflow-bundle.js) for
   * `npm run worker`; when unset the worker bundles workflows/ at start (a few seconds).
   */
  CARTERA_WORKFLOW_BUNDLE: optionalText,
  /**
   * Seconds a stopping worker lets running activities finish before cancelling them.
   * @default 20
   */
  CARTERA_WORKER_DRAIN_SECONDS: z.coerce.number().int().min(0).max(600).default(20),
  /**
   * Port of the worker's own HTTP endpoint (`npm run worker`): GET /healthz (200 while the
   * worker polls) and GET /metrics (its Prometheus registry). Unset: no endpoint.
   */
  CARTERA_WORKER_HEALTH_PORT: port.optional(),
  /** How many workflow starts may be in flight while opening cases. */
  CARTERA_OPEN_CONCURRENCY: z.coerce.number().int().min(1).max(1_000).default(64),
  /** An SMTP server for notices; when unset `npm start` runs a local catcher (maildev). */
  CARTERA_SMTP_HOST: optionalText,
  /** SMTP port; the local catcher listens here when CARTERA_SMTP_HOST is unset. */
  CARTERA_SMTP_PORT: port.default(1025),
  /** Implicit TLS (SMTPS, usually port 465); otherwise STARTTLS when the server offers it. */
  CARTERA_SMTP_SECURE: flag.default(false),
  /** Refuse to send without STARTTLS (for servers on other hosts). */
  CARTERA_SMTP_REQUIRE_TLS: flag.default(false),
  CARTERA_SMTP_USER: optionalText,
  CARTERA_SMTP_PASSWORD: optionalText,
  /** Sender of notices and reports, e.g. `"Aguas Machala EP" <cartera@aguasmachala.gob.ec>`. */
  CARTERA_SMTP_FROM: z
    .string()
    .trim()
    .min(3)
    .default('"Aguas Machala EP - Cartera" <cartera@aguasmachala.local>'),
  /** Web page of the local mail catcher. */
  CARTERA_MAIL_UI_PORT: port.default(1080),
  /** Seconds between two passes of the notice dispatcher; 0 turns delivery off. */
  CARTERA_NOTICE_INTERVAL: z.coerce.number().int().min(0).max(3_600).default(15),
  /** Failed attempts after which a notice is marked failed. */
  CARTERA_NOTICE_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(8),
});

export type Env = z.infer<typeof envSchema>;

/** TLS settings for the Temporal connection, or false for plaintext (local dev server). */
export type TemporalTls =
  | false
  | {
      serverNameOverride?: string;
      serverRootCACertificate?: Buffer;
      clientCertPair?: { crt: Buffer; key: Buffer };
    };

export interface Config {
  env: Env['NODE_ENV'];
  logLevel: Env['LOG_LEVEL'];
  dataDir: string;
  database: { url: string | undefined; embeddedPort: number; poolSize: number };
  temporal: {
    /** Undefined: start the local dev server. */
    address: string | undefined;
    namespace: string;
    taskQueue: string;
    tls: TemporalTls;
    apiKey: string | undefined;
    devPort: number;
    uiPort: number;
    uiUrl: string | undefined;
    cliPath: string | undefined;
    testServerPath: string | undefined;
  };
  api: {
    host: string;
    port: number;
    /** Express `trust proxy`: hop count or address list. */
    trustProxy: string | number;
  };
  /** First administrator created by `npm run setup` when none exists. */
  admin: { username: string; password: string | undefined };
  billing: { url: string | undefined; apiKey: string | undefined; simulatorPort: number };
  outside: {
    fieldOpsUrl: string | undefined;
    notariesUrl: string | undefined;
    banksUrl: string | undefined;
  };
  policyFile: string | undefined;
  demo: { enabled: boolean; accounts: number; seed: number };
  openConcurrency: number;
  workerCache: number;
  /** Activities a worker runs at once. */
  workerActivities: number;
  /** Prebuilt workflow bundle file; undefined = bundle workflows/ at worker start. */
  workflowBundle: string | undefined;
  /** Seconds a stopping worker lets running activities finish. */
  workerDrainSeconds: number;
  /** Port of the worker's /healthz and /metrics; undefined = none. */
  workerHealthPort: number | undefined;
  /** System name → API key, for systems that push data (payments). */
  apiKeys: Record<string, string>;
  metricsToken: string | undefined;
  /** Browser the end-to-end tests drive. */
  chromiumPath: string;
  /** Outgoing mail (notices, scheduled reports). */
  smtp: SmtpConfig;
  /** Delivery of queued notices. */
  notices: {
    /** Seconds between dispatcher passes; 0 = no dispatcher in this process. */
    intervalSeconds: number;
    maxAttempts: number;
    /** Port of the local catcher's web page (used when `smtp.host` is unset). */
    mailUiPort: number;
  };
}

/** SMTP settings; `host` undefined means "the local catcher on 127.0.0.1:`port`". */
export interface SmtpConfig {
  host: string | undefined;
  port: number;
  /** Implicit TLS; false = plain connection upgraded with STARTTLS when offered. */
  secure: boolean;
  requireTls: boolean;
  auth: { user: string; password: string } | undefined;
  from: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function readPem(file: string | undefined, what: string): Buffer | undefined {
  if (!file) return undefined;
  const abs = path.resolve(ROOT_DIR, file);
  if (!existsSync(abs)) throw new ConfigError(`${what}: file not found: ${abs}`);
  return readFileSync(abs);
}

/** Paths written by scripts/ensure.mjs for the locally installed Temporal binaries. */
function localToolPaths(): { temporalCli?: string; temporalTestServer?: string } {
  const file = path.join(ROOT_DIR, '.tools', 'paths.json');
  if (!existsSync(file)) return {};
  return z
    .object({ temporalCli: z.string().optional(), temporalTestServer: z.string().optional() })
    .parse(JSON.parse(readFileSync(file, 'utf8')));
}

/**
 * What must not reach production: the demo users (their password is published), the embedded
 * PostgreSQL (fixed superuser password) and the Temporal dev server (no authentication), SMTP
 * sign-in without a password, and a short metrics token. Lists every problem in one error.
 */
function refuseInProduction(e: Env): void {
  const problems: string[] = [];
  if (e.CARTERA_DEMO === true)
    problems.push('CARTERA_DEMO: the demo users have a published password; unset it');
  if (!e.DATABASE_URL)
    problems.push('DATABASE_URL: required (the embedded PostgreSQL has a fixed password)');
  if (!e.TEMPORAL_ADDRESS)
    problems.push('TEMPORAL_ADDRESS: required (the local dev server has no authentication)');
  if (e.CARTERA_SMTP_USER && !e.CARTERA_SMTP_PASSWORD)
    problems.push('CARTERA_SMTP_PASSWORD: required with CARTERA_SMTP_USER');
  if (e.CARTERA_METRICS_TOKEN && e.CARTERA_METRICS_TOKEN.length < 24)
    problems.push('CARTERA_METRICS_TOKEN: at least 24 characters');
  if (problems.length > 0)
    throw new ConfigError(
      `Refusing to run with NODE_ENV=production:\n${problems.map((p) => `  ${p}`).join('\n')}`,
    );
}

/** Validates the environment once; throws ConfigError listing every bad variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid environment:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (e.NODE_ENV === 'production') refuseInProduction(e);
  const cert = readPem(e.TEMPORAL_TLS_CERT_PATH, 'TEMPORAL_TLS_CERT_PATH');
  const key = readPem(e.TEMPORAL_TLS_KEY_PATH, 'TEMPORAL_TLS_KEY_PATH');
  if (Boolean(cert) !== Boolean(key)) {
    throw new ConfigError('TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH go together');
  }
  const ca = readPem(e.TEMPORAL_TLS_CA_PATH, 'TEMPORAL_TLS_CA_PATH');
  const useTls = Boolean(
    cert || ca || e.TEMPORAL_TLS_SERVER_NAME || e.TEMPORAL_TLS || e.TEMPORAL_API_KEY,
  );
  const tools = localToolPaths();
  return {
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    dataDir: path.resolve(ROOT_DIR, e.CARTERA_DATA_DIR),
    database: {
      url: e.DATABASE_URL,
      embeddedPort: e.EMBEDDED_PG_PORT,
      poolSize: e.CARTERA_DB_POOL,
    },
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      tls: useTls
        ? {
            ...(e.TEMPORAL_TLS_SERVER_NAME
              ? { serverNameOverride: e.TEMPORAL_TLS_SERVER_NAME }
              : {}),
            ...(ca ? { serverRootCACertificate: ca } : {}),
            ...(cert && key ? { clientCertPair: { crt: cert, key } } : {}),
          }
        : false,
      apiKey: e.TEMPORAL_API_KEY,
      devPort: e.TEMPORAL_DEV_PORT,
      uiPort: e.TEMPORAL_UI_PORT,
      uiUrl:
        e.TEMPORAL_UI_URL ??
        (e.TEMPORAL_ADDRESS ? undefined : `http://127.0.0.1:${e.TEMPORAL_UI_PORT}`),
      cliPath: e.TEMPORAL_CLI_PATH ?? tools.temporalCli,
      testServerPath: e.TEMPORAL_TEST_SERVER_PATH ?? tools.temporalTestServer,
    },
    api: { host: e.API_HOST, port: e.API_PORT, trustProxy: e.CARTERA_TRUST_PROXY },
    admin: { username: e.CARTERA_ADMIN_USERNAME, password: e.CARTERA_ADMIN_PASSWORD },
    outside: { fieldOpsUrl: e.FIELD_OPS_URL, notariesUrl: e.NOTARIES_URL, banksUrl: e.BANKS_URL },
    billing: {
      url: e.BILLING_URL,
      apiKey: e.BILLING_API_KEY,
      simulatorPort: e.BILLING_SIMULATOR_PORT,
    },
    policyFile: e.CARTERA_POLICY ? path.resolve(ROOT_DIR, e.CARTERA_POLICY) : undefined,
    demo: {
      enabled: e.CARTERA_DEMO ?? e.NODE_ENV !== 'production',
      accounts: e.CARTERA_DEMO_ACCOUNTS,
      seed: e.CARTERA_DEMO_SEED,
    },
    openConcurrency: e.CARTERA_OPEN_CONCURRENCY,
    workerCache: e.CARTERA_WORKER_CACHE,
    workerActivities: e.CARTERA_WORKER_ACTIVITIES,
    workflowBundle: e.CARTERA_WORKFLOW_BUNDLE
      ? path.resolve(ROOT_DIR, e.CARTERA_WORKFLOW_BUNDLE)
      : undefined,
    workerDrainSeconds: e.CARTERA_WORKER_DRAIN_SECONDS,
    workerHealthPort: e.CARTERA_WORKER_HEALTH_PORT,
    apiKeys: e.CARTERA_API_KEYS,
    metricsToken: e.CARTERA_METRICS_TOKEN,
    chromiumPath: e.CARTERA_CHROMIUM,
    smtp: {
      host: e.CARTERA_SMTP_HOST,
      port: e.CARTERA_SMTP_PORT,
      secure: e.CARTERA_SMTP_SECURE,
      requireTls: e.CARTERA_SMTP_REQUIRE_TLS,
      auth: e.CARTERA_SMTP_USER
        ? { user: e.CARTERA_SMTP_USER, password: e.CARTERA_SMTP_PASSWORD ?? '' }
        : undefined,
      from: e.CARTERA_SMTP_FROM,
    },
    notices: {
      intervalSeconds: e.CARTERA_NOTICE_INTERVAL,
      maxAttempts: e.CARTERA_NOTICE_MAX_ATTEMPTS,
      mailUiPort: e.CARTERA_MAIL_UI_PORT,
    },
  };
}
