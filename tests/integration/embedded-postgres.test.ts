import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dropDatabase,
  ensureDatabase,
  startEmbeddedPostgres,
  type EmbeddedPostgres,
} from '../../scripts/embedded-postgres.js';
import { findFreePort, isPortOpen } from '../../temporal/ports.js';

const orphanFixture = fileURLToPath(
  new URL('../fixtures/start-embedded-postgres.ts', import.meta.url),
);

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

const readNotes = (url: string) =>
  query<{ body: string }>(url, 'SELECT body FROM notes ORDER BY id');

function postmasterPid(dataDir: string): number {
  return Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('embedded PostgreSQL', { timeout: 60_000 }, () => {
  let parent: string;
  let dataDir: string;
  let port: number;
  let running: EmbeddedPostgres | undefined;

  async function start(): Promise<EmbeddedPostgres> {
    const t0 = performance.now();
    running = await startEmbeddedPostgres({
      dataDir,
      port,
      logFile: path.join(parent, 'postgres.log'),
    });
    console.info(
      `embedded PostgreSQL ${running.initialised ? 'initialised and started' : 'started'} in ${Math.round(performance.now() - t0)} ms`,
    );
    return running;
  }

  beforeAll(async () => {
    // mkdtemp makes a 0700 folder: as root this also exercises letting the postgres user reach it.
    parent = fs.mkdtempSync(path.join(os.tmpdir(), 'cartera-pg-'));
    dataDir = path.join(parent, 'cluster');
    port = await findFreePort();
  });
  afterAll(async () => {
    await running?.stop();
    fs.rmSync(parent, { recursive: true, force: true });
  });

  it('initialises on first start and keeps the data across a clean restart', async () => {
    const first = await start();
    expect(first.initialised).toBe(true);
    expect(first.url).toBe(`postgresql://postgres:postgres@127.0.0.1:${port}/postgres`);
    if (process.getuid?.() === 0) {
      expect(first.madeReachable).toEqual([parent]);
      expect(fs.statSync(parent).mode & 0o777).toBe(0o701);
    }

    await query(first.url, 'CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)');
    await query(first.url, `INSERT INTO notes (body) VALUES ('coactiva nº 1: señor Muñoz')`);
    const [settings] = await query<{ encoding: string; upper: string }>(
      first.url,
      `SELECT current_setting('server_encoding') AS encoding, upper('ñandú') AS upper`,
    );
    expect(settings).toEqual({ encoding: 'UTF8', upper: 'ÑANDÚ' });

    await first.stop();
    await first.stop(); // idempotent
    expect(await isPortOpen(port)).toBe(false);
    expect(fs.existsSync(path.join(dataDir, 'postmaster.pid'))).toBe(false);

    const second = await start();
    expect(second.initialised).toBe(false);
    expect(await readNotes(second.url)).toEqual([{ body: 'coactiva nº 1: señor Muñoz' }]);
  });

  it('creates and drops databases idempotently', async () => {
    const { url } = running!;
    expect(await ensureDatabase(url, 'cartera_scratch')).toBe(true);
    expect(await ensureDatabase(url, 'cartera_scratch')).toBe(false);
    const scratchUrl = url.replace(/\/postgres$/, '/cartera_scratch');
    const holder = new pg.Client({ connectionString: scratchUrl });
    await holder.connect();
    holder.on('error', () => undefined); // DROP ... WITH (FORCE) ends this session
    expect(await dropDatabase(url, 'cartera_scratch')).toBe(true);
    expect(await dropDatabase(url, 'cartera_scratch')).toBe(false);
    await holder.end().catch(() => undefined);
    await expect(ensureDatabase(url, 'postgres')).rejects.toThrow(/another database/);
  });

  it('recovers after the server itself was killed with SIGKILL', async () => {
    const victim = running!;
    const pid = postmasterPid(dataDir);
    process.kill(pid, 'SIGKILL');
    while (isRunning(pid)) await new Promise((r) => setTimeout(r, 50));
    await victim.stop(); // must not hang on a dead server

    const restarted = await start();
    expect(await readNotes(restarted.url)).toEqual([{ body: 'coactiva nº 1: señor Muñoz' }]);
    await restarted.stop();
  });

  it('takes over after the Node process that owned the server was killed with SIGKILL', async () => {
    const owner = spawn(
      process.execPath,
      ['--import', 'tsx', orphanFixture, dataDir, String(port)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const [chunk] = (await once(owner.stdout!, 'data')) as [Buffer];
    expect(chunk.toString()).toContain('ready');
    const orphanPid = postmasterPid(dataDir);
    owner.kill('SIGKILL');
    await once(owner, 'exit');
    expect(isRunning(orphanPid)).toBe(true); // still serving, owner gone

    const restarted = await start();
    expect(isRunning(orphanPid)).toBe(false);
    expect(await readNotes(restarted.url)).toEqual([{ body: 'coactiva nº 1: señor Muñoz' }]);
    await restarted.stop();
  });

  it('ignores a lock file whose PID now belongs to another process', async () => {
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      fs.writeFileSync(
        path.join(dataDir, 'postmaster.pid'),
        `${other.pid}\n${dataDir}\n0\n${port}\n`,
      );
      const restarted = await start();
      expect(await readNotes(restarted.url)).toHaveLength(1);
      expect(isRunning(other.pid!)).toBe(true);
      await restarted.stop();
    } finally {
      other.kill();
    }
  });
});
