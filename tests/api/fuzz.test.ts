/**
 * Property-based fuzzing of the whole API from its own OpenAPI document with Schemathesis
 * (tests/api/schemathesis.ts installs the pinned CLI). The real app runs over a cloned
 * PostgreSQL database with a seeded case and the test Temporal server; Schemathesis sends
 * malformed requests (negative mode) to every operation as a manager (with the billing API key,
 * for the payment route) and as an admin (for the admin-only routes), then valid read-only
 * requests (positive mode, GET only). It fails on any 5xx, on a malformed request that is not
 * refused with a 4xx, on an answer that does not match the document, on fewer requests than
 * planned, and on any change to the database, to Temporal or to the upload folder.
 *
 * Requests and their statuses are counted by the app's own metrics, not taken from the tool.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics, type Metrics } from '../../api/metrics.js';
import type { OpenApiDocument } from '../../api/openapi.js';
import { seedCase } from '../support/workflow-env.js';
import { ensureSchemathesis, type SchemathesisCommand } from './schemathesis.js';
import { TEST_API_KEY, startTestApi, type TestApi } from './support.js';

/** Requests the whole fuzz run must at least send (all phases, both roles). */
const MIN_REQUESTS = 2_000;
/** Fuzzing-phase requests per operation and mode, on top of the coverage phase's own. */
const NEGATIVE_EXAMPLES = 15;
const POSITIVE_EXAMPLES = 5;
/** Seed of Hypothesis, so a failure can be replayed with the same data. */
const SEED = 20261128;
/** Where each Schemathesis run's full output and the app's error log are kept. */
const OUTPUT_DIR = path.join(os.tmpdir(), 'cartera-fuzz-output');

/**
 * Operations left out of negative fuzzing: logout ends the session every other request uses
 * (it has no input to make malformed anyway).
 */
const NOT_FUZZED = ['postApiAuthLogout'];

/** One row count and one md5 over the ordered rows of every table but Prisma's own. */
async function fingerprint(api: TestApi): Promise<Record<string, string>> {
  const { rows: tables } = await api.db.pool.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
     WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> '_prisma_migrations'
     ORDER BY 1`,
  );
  const out: Record<string, string> = {};
  for (const { name } of tables) {
    const t = `"${name.replaceAll('"', '""')}"`;
    const { rows } = await api.db.pool.query<{ n: string; h: string }>(
      `SELECT count(*) AS n, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS h FROM ${t} t`,
    );
    out[name] = `${rows[0]!.n} rows, md5 ${rows[0]!.h}`;
  }
  return out;
}

/** Answers the app counted, by status (`cartera_http_request_duration_seconds_count`). */
async function statusHistogram(metrics: Metrics): Promise<Record<string, number>> {
  const { values } = await metrics.httpRequestDuration.get();
  const out: Record<string, number> = {};
  for (const v of values) {
    if (!v.metricName?.endsWith('_count')) continue;
    const status = String(v.labels.status);
    out[status] = (out[status] ?? 0) + v.value;
  }
  return out;
}

interface RunResult {
  code: number | null;
  output: string;
}

/** Runs the CLI without blocking this process, which serves the app being fuzzed. */
function schemathesis(cli: SchemathesisCommand, args: string[], cwd: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cli.command, [...cli.prefix, ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('API fuzzing from the OpenAPI document (Schemathesis)', () => {
  let api: TestApi;
  let cli: SchemathesisCommand;
  let work: string;
  const metrics = createMetrics();
  const errorLog: string[] = [];

  beforeAll(async () => {
    cli = await ensureSchemathesis();
    const log = pino(
      { level: 'error' },
      new Writable({
        write(chunk: Buffer, _enc, done) {
          errorLog.push(chunk.toString());
          done();
        },
      }),
    );
    api = await startTestApi({ metrics, log });
    await seedCase(api.db.prisma);
    work = mkdtempSync(path.join(os.tmpdir(), 'cartera-fuzz-'));
    rmSync(OUTPUT_DIR, { recursive: true, force: true });
    mkdirSync(OUTPUT_DIR, { recursive: true });
  }, 300_000);
  afterAll(async () => {
    await api?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  // Seeded, so a failure is not retried: it would fail again, twice as slowly.
  it(
    'refuses thousands of malformed requests with a 4xx, never a 5xx, and changes nothing',
    { retry: 0, timeout: 1_200_000 },
    async () => {
      const started = performance.now();
      const doc = (await api.call<OpenApiDocument>('get', '/api/openapi.json')).body;
      const ops = Object.values(doc.paths).flatMap((p) => Object.values(p));
      const roleOps = (role: 'manager' | 'admin') =>
        ops
          .filter((o) => Array.isArray(o['x-roles']) && o['x-roles'].includes(role))
          .map((o) => o.operationId);
      const asManager = new Set([
        ...roleOps('manager'),
        ...ops.filter((o) => !Array.isArray(o['x-roles'])).map((o) => o.operationId),
      ]);
      const asAdmin = roleOps('admin').filter((id) => !asManager.has(id));

      // 429 (sign-in limiter) is a refusal too; 413 for an oversized body.
      writeFileSync(
        path.join(work, 'schemathesis.toml'),
        [
          '[checks.negative_data_rejection]',
          'expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "429"]',
          '',
        ].join('\n'),
      );
      const schemaUrl = `${api.url}/api/openapi.json`;
      const manager = await api.login('manager');
      const admin = await api.login('admin');
      const common = (role: 'manager' | 'admin') => [
        '--config-file',
        path.join(work, 'schemathesis.toml'),
        'run',
        schemaUrl,
        '--header',
        `Authorization: Bearer ${role === 'manager' ? manager : admin}`,
        '--header',
        `x-api-key: ${TEST_API_KEY}`,
        '--seed',
        String(SEED),
        '--workers',
        '2',
        '--no-shrink',
        '--no-color',
        '--generation-database',
        'none',
        '--request-timeout',
        '20',
        '--suppress-health-check',
        'all',
        '--max-failures',
        '20',
      ];
      const include = (ids: string[]) => ids.flatMap((id) => ['--include-operation-id', id]);
      const before = await fingerprint(api);
      const uploadsBefore = readdirSync(api.deps.uploadDir);

      const negative = ['--mode', 'negative', '--phases', 'coverage,fuzzing', '--max-examples'];
      const negativeChecks = [
        '--checks',
        'not_a_server_error,negative_data_rejection,status_code_conformance,content_type_conformance,response_schema_conformance',
      ];
      const runs: { name: string; args: string[] }[] = [
        {
          name: 'negative, manager',
          args: [
            ...common('manager'),
            ...negative,
            String(NEGATIVE_EXAMPLES),
            ...negativeChecks,
            ...include([...asManager].filter((id) => !NOT_FUZZED.includes(id))),
          ],
        },
        {
          name: 'negative, admin-only routes',
          args: [
            ...common('admin'),
            ...negative,
            String(NEGATIVE_EXAMPLES),
            ...negativeChecks,
            ...include(asAdmin),
          ],
        },
        {
          name: 'positive, GET only',
          args: [
            ...common('manager'),
            '--mode',
            'positive',
            '--phases',
            'examples,coverage,fuzzing',
            '--max-examples',
            String(POSITIVE_EXAMPLES),
            '--include-method',
            'GET',
            '--checks',
            'not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance',
          ],
        },
      ];
      const failures: string[] = [];
      for (const run of runs) {
        const t0 = performance.now();
        const r = await schemathesis(cli, run.args, work);
        const seconds = ((performance.now() - t0) / 1000).toFixed(1);
        const file = path.join(OUTPUT_DIR, `${run.name.replace(/[^a-z]+/gi, '-')}.txt`);
        writeFileSync(file, r.output);
        const summary = r.output.split('\n').slice(-25).join('\n');
        console.log(
          `[fuzz] ${run.name}: exit ${r.code} in ${seconds} s (output: ${file})\n${summary}`,
        );
        if (r.code !== 0) failures.push(`${run.name}: exit ${r.code}, see ${file}`);
      }

      const histogram = await statusHistogram(metrics);
      const total = Object.values(histogram).reduce((a, b) => a + b, 0);
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      console.log(
        `[fuzz] ${total} requests in ${seconds} s; by status: ${JSON.stringify(histogram)}`,
      );
      if (errorLog.length > 0) {
        writeFileSync(path.join(OUTPUT_DIR, 'app-errors.ndjson'), errorLog.join(''));
        console.log(`[fuzz] app error log: ${path.join(OUTPUT_DIR, 'app-errors.ndjson')}`);
      }
      const serverErrors = Object.entries(histogram).filter(([s]) => Number(s) >= 500);
      expect(serverErrors).toEqual([]);
      expect(failures).toEqual([]);
      expect(total).toBeGreaterThanOrEqual(MIN_REQUESTS);

      expect(await fingerprint(api)).toEqual(before);
      expect(readdirSync(api.deps.uploadDir)).toEqual(uploadsBefore);
      const workflows = await api.temporal.workflow.count(`TaskQueue = "${api.deps.taskQueue}"`);
      expect(workflows.count).toBe(0);
    },
  );
});
