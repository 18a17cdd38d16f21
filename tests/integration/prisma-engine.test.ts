// The Prisma CLI behind scripts/prisma.mjs, forced onto the WASM schema engine
// (prisma/engine/schema-engine-wasm.mjs), against the local PostgreSQL. Works offline.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const LAUNCHER = path.join(ROOT, 'scripts', 'prisma.mjs');
// The test PostgreSQL server started (or chosen) by tests/global-setup.ts.
const ADMIN_URL = inject('pgAdminUrl');

const suffix = randomBytes(4).toString('hex');
const devDb = `cartera_prisma_engine_${suffix}_dev`;
const deployDb = `cartera_prisma_engine_${suffix}_deploy`;

function urlFor(database: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

const SCHEMA_V1 = `datasource db {
  provider = "postgresql"
}

model Item {
  id      Int      @id @default(autoincrement())
  code    String   @unique
  // a ";" inside a literal: the engine must not split scripts on it
  label   String   @default("a;b")
  created DateTime @default(now())
}
`;

const SCHEMA_V2 = SCHEMA_V1.replace(
  '  created DateTime @default(now())\n',
  '  created DateTime @default(now())\n  note    String?\n',
);

// No import: the temp dir has no node_modules to resolve 'prisma/config' from.
const CONFIG = `export default {
  schema: 'schema.prisma',
  migrations: { path: 'migrations' },
  ...(process.env.DATABASE_URL ? { datasource: { url: process.env.DATABASE_URL } } : {}),
};
`;

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

let dir = '';

function prisma(args: string[], database?: string): Promise<RunResult> {
  // The CLI runs as a child process with this process's environment, engine forced to WASM.
  // eslint-disable-next-line no-restricted-properties
  const env: NodeJS.ProcessEnv = { ...process.env, CARTERA_PRISMA_ENGINE: 'wasm' };
  delete env.PRISMA_SCHEMA_ENGINE_BINARY;
  delete env.DATABASE_URL;
  if (database) env.DATABASE_URL = urlFor(database);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [LAUNCHER, ...args, '--config', path.join(dir, 'prisma.config.mjs')],
      { cwd: dir, env, timeout: 45_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function explain(r: RunResult): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

async function migrationFolders(): Promise<string[]> {
  const entries = await readdir(path.join(dir, 'migrations'), { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

describe('Prisma CLI on the WASM schema engine', () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'cartera-prisma-engine-'));
    await writeFile(path.join(dir, 'schema.prisma'), SCHEMA_V1);
    await writeFile(path.join(dir, 'prisma.config.mjs'), CONFIG);
    // The dev database exists up front; the deploy database is left for the CLI to create.
    await withAdmin((c) => c.query(`CREATE DATABASE "${devDb}"`));
  });

  afterAll(async () => {
    await withAdmin(async (c) => {
      for (const db of [devDb, deployDb])
        await c.query(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
    });
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('migrate dev --name init creates and applies the first migration', async () => {
    const r = await prisma(['migrate', 'dev', '--name', 'init'], devDb);
    expect(r.code, explain(r)).toBe(0);
    expect(r.stderr).toContain('schema engine: WASM');

    const folders = await migrationFolders();
    expect(folders).toHaveLength(1);
    expect(folders[0]).toMatch(/^\d{14}_init$/);
    const sql = await readFile(path.join(dir, 'migrations', folders[0]!, 'migration.sql'), 'utf8');
    expect(sql).toContain('CREATE TABLE "Item"');
    expect(sql).toContain("DEFAULT 'a;b'");
  });

  it('migrate deploy applies it to a second, fresh database', async () => {
    const r = await prisma(['migrate', 'deploy'], deployDb);
    expect(r.code, explain(r)).toBe(0);
    expect(r.stdout).toContain('All migrations have been successfully applied');

    const client = new pg.Client({ connectionString: urlFor(deployDb) });
    await client.connect();
    try {
      const applied = await client.query<{ migration_name: string }>(
        'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL',
      );
      expect(applied.rows.map((row) => row.migration_name)).toEqual(await migrationFolders());
      const inserted = await client.query<{ label: string }>(
        `INSERT INTO "Item" (code) VALUES ('x') RETURNING label`,
      );
      expect(inserted.rows[0]?.label).toBe('a;b');
    } finally {
      await client.end();
    }
  });

  it('migrate status reports the database up to date', async () => {
    const r = await prisma(['migrate', 'status'], deployDb);
    expect(r.code, explain(r)).toBe(0);
    expect(r.stdout).toContain('Database schema is up to date');
  });

  it('migrate dev after a schema change produces a second migration', async () => {
    await writeFile(path.join(dir, 'schema.prisma'), SCHEMA_V2);
    const r = await prisma(['migrate', 'dev', '--name', 'add_note'], devDb);
    expect(r.code, explain(r)).toBe(0);

    const folders = await migrationFolders();
    expect(folders).toHaveLength(2);
    expect(folders[1]).toMatch(/^\d{14}_add_note$/);
    const sql = await readFile(path.join(dir, 'migrations', folders[1]!, 'migration.sql'), 'utf8');
    expect(sql).toMatch(/ALTER TABLE "Item" ADD COLUMN\s+"note" TEXT/);
  });

  it('migrate diff --from-empty --to-schema --script prints SQL, without a database', async () => {
    const r = await prisma([
      'migrate',
      'diff',
      '--from-empty',
      '--to-schema',
      path.join(dir, 'schema.prisma'),
      '--script',
    ]);
    expect(r.code, explain(r)).toBe(0);
    expect(r.stdout).toContain('CREATE TABLE "Item"');
    expect(r.stdout).toContain('"note" TEXT');
  });
});
