/**
 * Once per `npm test`: a real PostgreSQL (DATABASE_URL's server, else an embedded one in a
 * temporary folder) with a migrated template database, and a real Temporal dev server
 * (in-memory, headless) with the case search attributes. Test files clone the template so
 * each gets a clean database.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../config/index.js';
import { startTemporalDevServer } from '../temporal/dev-server.js';
import { findFreePort } from '../temporal/ports.js';
import { CASE_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';
import {
  dropDatabase,
  ensureDatabase,
  startEmbeddedPostgres,
} from '../scripts/embedded-postgres.js';
import { runPrisma, withDatabase } from '../scripts/system.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the test PostgreSQL server (any database). */
    pgAdminUrl: string;
    /** Name of the migrated template database to clone. */
    templateDatabase: string;
    temporalAddress: string;
  }
}

export default async function setup(project: TestProject) {
  const config = loadConfig();
  const stops: (() => Promise<unknown>)[] = [];
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'cartera-test-'));
  stops.push(async () => rmSync(tmp, { recursive: true, force: true }));

  let adminUrl: string;
  if (config.database.url) {
    adminUrl = withDatabase(config.database.url, 'postgres');
  } else {
    const embedded = await startEmbeddedPostgres({
      dataDir: path.join(tmp, 'pg'),
      port: await findFreePort(),
      postgresFlags: [
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
      ],
    });
    stops.push(() => embedded.stop());
    adminUrl = embedded.url;
  }
  const template = `cartera_test_${process.pid}_${Date.now().toString(36)}`;
  await ensureDatabase(adminUrl, template);
  stops.push(() => dropTestDatabases(adminUrl, template));
  await runPrisma(['migrate', 'deploy'], withDatabase(adminUrl, template));

  if (!config.temporal.cliPath)
    throw new Error('Temporal CLI missing: run node scripts/ensure.mjs');
  const temporal = await startTemporalDevServer({
    cliPath: config.temporal.cliPath,
    port: await findFreePort(),
    namespace: 'default',
    searchAttributes: CASE_SEARCH_ATTRIBUTES,
    logFile: path.join(tmp, 'temporal.log'),
  });
  stops.push(() => temporal.stop());

  project.provide('pgAdminUrl', adminUrl);
  project.provide('templateDatabase', template);
  project.provide('temporalAddress', temporal.address);

  return async () => {
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => console.error(err));
  };
}

/** Drops the template and every clone made from it. */
async function dropTestDatabases(adminUrl: string, template: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  const { rows } = await client.query<{ datname: string }>(
    `SELECT datname FROM pg_database WHERE datname LIKE $1`,
    [`${template}%`],
  );
  await client.end();
  for (const r of rows.sort((a, b) => b.datname.length - a.datname.length)) {
    await dropDatabase(adminUrl, r.datname);
  }
}
