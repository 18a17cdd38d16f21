/**
 * What the Temporal benches (bench/case-opening.ts, bench/open-cases-100k.ts) stand on: the
 * machine description they print, a throwaway migrated database, a local Temporal dev server on
 * free ports with the case search attributes, and process memory read from /proc.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type pg from 'pg';
import type { Config } from '../config/index.js';
import { dropDatabase, ensureDatabase } from '../scripts/embedded-postgres.js';
import { runPrisma, withDatabase } from '../scripts/system.js';
import { startTemporalDevServer, type DevServer } from '../temporal/dev-server.js';
import { findFreePort } from '../temporal/ports.js';
import { CASE_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';

export const DEFAULT_SERVER = 'postgresql://postgres@127.0.0.1:5432/postgres';

const tryRun = (cmd: string, args: string[]): string => {
  try {
    return execFileSync(cmd, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return '';
  }
};

/** CPU, memory, disk, OS and the versions of Node, PostgreSQL and the Temporal CLI. */
export async function describeMachine(
  config: Config,
  pool: pg.Pool,
  dataDir: string,
): Promise<string[]> {
  const cpuinfo = tryReadFile('/proc/cpuinfo');
  const model =
    /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model.trim() ?? '?';
  const osName =
    /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(tryReadFile('/etc/os-release'))?.[1] ?? os.type();
  // df: the filesystem holding the data folder (Temporal's SQLite file) and its free space.
  const df = tryRun('df', ['-hT', dataDir]).split('\n')[1]?.split(/\s+/) ?? [];
  const disk = df.length >= 5 ? `${df[0]} (${df[1]}, ${df[2]} total, ${df[4]} free)` : '?';
  const pgVersion = (await pool.query<{ server_version: string }>('SHOW server_version')).rows[0]!
    .server_version;
  const temporal = config.temporal.cliPath
    ? (tryRun(config.temporal.cliPath, ['--version']).split('\n')[0] ?? '?')
    : 'not installed';
  return [
    `cpu        ${os.cpus().length} × ${model}`,
    `memory     ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `disk       ${disk} for ${dataDir}`,
    `os         ${osName}, Linux ${os.release()}`,
    `versions   node ${process.version}, PostgreSQL ${pgVersion}, ${temporal}`,
  ];
}

function tryReadFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** 1-, 5- and 15-minute load averages, printed. */
export const loadAverage = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** Resident memory of a process now and at its peak (VmRSS, VmHWM), in MiB; null once gone. */
export function processMemory(pid: number): { rssMiB: number; peakMiB: number } | null {
  const status = tryReadFile(`/proc/${pid}/status`);
  const kib = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  if (!status) return null;
  return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
}

export interface BenchDatabase {
  url: string;
  name: string;
  drop(): Promise<unknown>;
}

/** A new database on DATABASE_URL's server (else the local one), migrated. */
export async function createBenchDatabase(config: Config, prefix: string): Promise<BenchDatabase> {
  const adminUrl = withDatabase(config.database.url ?? DEFAULT_SERVER, 'postgres');
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}`;
  await ensureDatabase(adminUrl, name);
  const url = withDatabase(adminUrl, name);
  await runPrisma(['migrate', 'deploy'], url);
  return { url, name, drop: () => dropDatabase(adminUrl, name) };
}

/** An existing database by name on the same server (to resume a run). */
export function benchDatabaseByName(config: Config, name: string): BenchDatabase {
  const adminUrl = withDatabase(config.database.url ?? DEFAULT_SERVER, 'postgres');
  return { url: withDatabase(adminUrl, name), name, drop: () => dropDatabase(adminUrl, name) };
}

/** A headless dev server on a free port with the case search attributes (SQLite file if given). */
export async function startBenchTemporal(
  config: Config,
  opts: { dbFile?: string; logFile: string },
): Promise<DevServer> {
  if (!config.temporal.cliPath)
    throw new Error('Temporal CLI not found: run `node scripts/ensure.mjs`');
  return startTemporalDevServer({
    cliPath: config.temporal.cliPath,
    port: await findFreePort(),
    namespace: 'default',
    searchAttributes: CASE_SEARCH_ATTRIBUTES,
    logFile: opts.logFile,
    // WAL: the worker's polls and completions no longer wait behind every start's write.
    ...(opts.dbFile
      ? { dbFile: opts.dbFile, sqlitePragmas: { journal_mode: 'wal', synchronous: 'normal' } }
      : {}),
    readyTimeoutMs: 120_000,
  });
}
