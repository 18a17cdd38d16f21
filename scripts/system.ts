/**
 * Brings up the infrastructure Cartera runs on, from the one Config: PostgreSQL (managed or
 * embedded), migrations, Temporal (cluster or local dev server) with the case search
 * attributes. Used by `npm start` and by the test setup.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import type { Config } from '../config/index.js';
import { ROOT_DIR } from '../config/index.js';
import { CASE_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';
import { registerSearchAttributes, startTemporalDevServer } from '../temporal/dev-server.js';
import { ensureDatabase, startEmbeddedPostgres } from './embedded-postgres.js';

export interface Stoppable {
  stop(): Promise<void>;
}

/** Runs `node scripts/prisma.mjs <args>` with DATABASE_URL set; rejects on a non-zero exit. */
export function runPrisma(args: string[], databaseUrl: string, quiet = true): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT_DIR, 'scripts', 'prisma.mjs'), ...args], {
      cwd: ROOT_DIR,
      // The Prisma CLI is a child process: it inherits the environment (proxy, engine choice).
      // eslint-disable-next-line no-restricted-properties
      env: { ...process.env, DATABASE_URL: databaseUrl },
      stdio: quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`prisma ${args.join(' ')} exited ${code}:\n${output}`)),
    );
  });
}

/** Replaces the database name of a PostgreSQL URL. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** The pid of a live `npm start` that owns `dataDir` (not this process), if any. */
export function runningOwner(dataDir: string): number | null {
  const pidFile = path.join(dataDir, 'cartera.pid');
  if (!existsSync(pidFile)) return null;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

/** One `npm start` per data folder: a second one would take over the first one's database. */
export function claimDataDir(dataDir: string): void {
  const owner = runningOwner(dataDir);
  if (owner) {
    throw new Error(
      `Cartera ya está en ejecución sobre ${dataDir} (pid ${owner}); deténgala con Ctrl-C primero`,
    );
  }
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(path.join(dataDir, 'cartera.pid'), String(process.pid));
}

/** PostgreSQL: the configured one, or an embedded server with a `cartera` database. */
export async function startDatabase(
  config: Config,
  log: (line: string) => void,
): Promise<{ url: string; embedded: Stoppable | null }> {
  if (config.database.url) return { url: config.database.url, embedded: null };
  const owner = runningOwner(config.dataDir);
  if (owner) {
    // Starting the embedded server again would take it over from the running system.
    throw new Error(
      `npm start (pid ${owner}) is using the embedded PostgreSQL under ${config.dataDir}: connect to it with DATABASE_URL=postgresql://postgres:postgres@127.0.0.1:${config.database.embeddedPort}/cartera, or stop it first`,
    );
  }
  const pg = await startEmbeddedPostgres({
    dataDir: path.join(config.dataDir, 'postgres'),
    port: config.database.embeddedPort,
    logFile: path.join(config.dataDir, 'logs', 'postgres.log'),
  });
  log(
    `PostgreSQL embebido ${pg.initialised ? 'inicializado' : 'reanudado'} en 127.0.0.1:${pg.port}`,
  );
  await ensureDatabase(pg.url, 'cartera');
  return { url: withDatabase(pg.url, 'cartera'), embedded: pg };
}

/** Temporal: the configured cluster (search attributes registered), or a local dev server. */
export async function startTemporal(
  config: Config,
  log: (line: string) => void,
): Promise<{ address: string; uiUrl: string | undefined; devServer: Stoppable | null }> {
  if (config.temporal.address) {
    const connection = await Connection.connect({
      address: config.temporal.address,
      tls: config.temporal.tls === false ? undefined : config.temporal.tls,
      ...(config.temporal.apiKey ? { apiKey: config.temporal.apiKey } : {}),
    });
    try {
      await registerSearchAttributes(connection, config.temporal.namespace, CASE_SEARCH_ATTRIBUTES);
    } finally {
      await connection.close();
    }
    return { address: config.temporal.address, uiUrl: config.temporal.uiUrl, devServer: null };
  }
  if (!config.temporal.cliPath) {
    throw new Error(
      'Temporal CLI not found: run `node scripts/ensure.mjs` or set TEMPORAL_CLI_PATH',
    );
  }
  mkdirSync(path.join(config.dataDir, 'logs'), { recursive: true });
  const server = await startTemporalDevServer({
    cliPath: config.temporal.cliPath,
    dbFile: path.join(config.dataDir, 'temporal', 'temporal.db'),
    port: config.temporal.devPort,
    uiPort: config.temporal.uiPort,
    namespace: config.temporal.namespace,
    searchAttributes: CASE_SEARCH_ATTRIBUTES,
    logFile: path.join(config.dataDir, 'logs', 'temporal.log'),
  });
  log(`Temporal dev server en ${server.address}`);
  return {
    address: server.address,
    uiUrl: server.uiUrl ?? config.temporal.uiUrl,
    devServer: server,
  };
}
