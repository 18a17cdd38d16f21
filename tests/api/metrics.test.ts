/**
 * GET /metrics: Prometheus text that parses, the HTTP latency histogram labelled by route
 * pattern (never the URL), cases by stage and overdue tasks read at scrape time, the activity
 * failure counter the worker feeds, who may scrape, and request logs without personal data.
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type { Context as ActivityContext } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityExecuteInput } from '@temporalio/worker';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activityFailureInterceptor, createMetrics } from '../../api/metrics.js';
import { seedCase, type SeededCase } from '../support/workflow-env.js';
import { TEST_API_KEY, startTestApi, type TestApi } from './support.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"`;
const SAMPLE = new RegExp(
  `^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*)?,?\\})? (-?(?:\\d+(?:\\.\\d+)?(?:e[-+]?\\d+)?|\\+Inf|-Inf|NaN))(?: -?\\d+)?$`,
);

/** Parses the Prometheus text exposition format (0.0.4); throws on any line that is not valid. */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  const typed = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = new RegExp(`^# (HELP|TYPE) (${NAME}) (.*)$`).exec(line);
      if (!m) throw new Error(`bad comment line: ${line}`);
      if (m[1] === 'TYPE') {
        if (!/^(counter|gauge|histogram|summary|untyped)$/.test(m[3]!))
          throw new Error(`bad type: ${line}`);
        typed.set(m[2]!, m[3]!);
      }
      continue;
    }
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`bad sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1]!] = l[2]!;
    const family = m[1]!.replace(/_(bucket|sum|count)$/, '');
    if (!typed.has(m[1]!) && !typed.has(family)) throw new Error(`sample without TYPE: ${line}`);
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

const find = (samples: Sample[], name: string, labels: Record<string, string>) =>
  samples.find(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );

describe('metrics', () => {
  let api: TestApi;
  let seeded: SeededCase;
  const logLines: string[] = [];
  const metrics = createMetrics();

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        logLines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    api = await startTestApi({ log: pino({ level: 'info' }, sink), metrics });
    seeded = await seedCase(api.db.prisma);
    await seedCase(api.db.prisma);
    await api.db.prisma.task.create({
      data: {
        id: randomUUID(),
        caseId: seeded.caseId,
        workflowId: `case-${seeded.accountNumber}`,
        type: 'contact_debtor',
        role: 'collector',
        priority: 500,
        dueAt: new Date(Date.now() - 86_400_000),
      },
    });
  });
  afterAll(() => api?.close());

  const scrape = async (headers: Record<string, string> = {}) => {
    const r = await fetch(`${api.url}/metrics`, { headers });
    return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
  };

  it('serves Prometheus text with the latency histogram by route pattern, not by URL', async () => {
    await api.call('get', '/api/cases', { token: api.tokens.manager, query: { q: 'ROMERO' } });
    const missing = randomUUID();
    await api.call('get', `/api/cases/${missing}`, { token: api.tokens.manager });
    await api.call('get', '/api/no-existe');

    const r = await scrape();
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^text\/plain; version=0\.0\.4/);
    const samples = parseExposition(r.text);
    const count = (route: string, status: string) =>
      find(samples, 'cartera_http_request_duration_seconds_count', {
        method: 'GET',
        route,
        status,
      })?.value;
    expect(count('/api/cases', '200')).toBeGreaterThanOrEqual(1);
    expect(count('/api/cases/:id', '404')).toBe(1);
    expect(count('unmatched', '404')).toBe(1);
    expect(
      find(samples, 'cartera_http_request_duration_seconds_bucket', {
        route: '/api/cases',
        le: '+Inf',
      }),
    ).toBeDefined();
    expect(r.text).not.toContain(missing);
    expect(r.text).not.toContain('ROMERO');
  });

  it('reads cases by stage and overdue tasks from the database at scrape time', async () => {
    let samples = parseExposition((await scrape()).text);
    expect(find(samples, 'cartera_cases_open', { stage: 'reminder' })?.value).toBe(2);
    expect(find(samples, 'cartera_cases_open', { stage: 'coactiva' })?.value).toBe(0);
    expect(find(samples, 'cartera_cases_open', { stage: 'closed' })).toBeUndefined();
    expect(find(samples, 'cartera_tasks_overdue', { role: 'collector' })?.value).toBe(1);
    expect(find(samples, 'cartera_tasks_overdue', { role: 'legal' })?.value).toBe(0);

    await api.db.prisma.case.update({ where: { id: seeded.caseId }, data: { stage: 'coactiva' } });
    samples = parseExposition((await scrape()).text);
    expect(find(samples, 'cartera_cases_open', { stage: 'reminder' })?.value).toBe(1);
    expect(find(samples, 'cartera_cases_open', { stage: 'coactiva' })?.value).toBe(1);
  });

  it('counts failed activity attempts through the worker interceptor', async () => {
    const factory = activityFailureInterceptor(metrics);
    const ctx = { info: { activityType: 'queueNotice' } } as unknown as ActivityContext;
    const execute = factory(ctx).inbound!.execute!;
    const input = { args: [], headers: {} } as ActivityExecuteInput;
    await expect(
      execute(input, () => Promise.reject(ApplicationFailure.retryable('caído', 'BillingDown'))),
    ).rejects.toThrow('caído');
    await expect(execute(input, () => Promise.resolve('ok'))).resolves.toBe('ok');
    const samples = parseExposition((await scrape()).text);
    expect(
      find(samples, 'cartera_activity_failures_total', {
        activity: 'queueNotice',
        type: 'BillingDown',
      })?.value,
    ).toBe(1);
  });

  it('serves only loopback callers that no proxy forwarded, unless a token is configured', async () => {
    expect((await scrape({ 'x-forwarded-for': '203.0.113.9' })).status).toBe(403);

    const guarded = await startTestApi({ metricsToken: 'tok-metricas-0123' });
    try {
      const get = (headers: Record<string, string>) =>
        fetch(`${guarded.url}/metrics`, { headers }).then((r) => r.status);
      expect(await get({})).toBe(401);
      expect(await get({ authorization: 'Bearer otro' })).toBe(401);
      expect(await get({ authorization: 'Bearer tok-metricas-0123' })).toBe(200);
      expect(
        await get({ authorization: 'Bearer tok-metricas-0123', 'x-forwarded-for': '203.0.113.9' }),
      ).toBe(200);
    } finally {
      await guarded.close();
    }
  });

  it('logs requests with id, method, route, status and duration only', async () => {
    logLines.length = 0;
    await api.call('get', `/api/cases/${seeded.caseId}`, {
      token: api.tokens.manager,
      query: { q: seeded.accountNumber },
      headers: { 'x-request-id': 'req-prueba-1' },
    });
    await api.call('post', '/api/payments', {
      headers: { 'x-api-key': TEST_API_KEY, 'x-request-id': 'Juan Romero 0912345678' },
      json: {
        accountNumber: seeded.accountNumber,
        amount: '1.00',
        paidAt: '2026-01-15T10:00:00-05:00',
        reference: `LOG-${randomUUID()}`,
      },
    });
    await new Promise((r) => setTimeout(r, 50));
    const all = logLines.join('\n');
    // Account numbers (also inside workflow ids in error messages), names, addresses.
    for (const personal of [seeded.accountNumber, 'ROMERO', 'Juan', '127.0.0.1'])
      expect(all).not.toContain(personal);

    const completed = logLines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === 'request completed');
    expect(completed).toHaveLength(2);
    for (const line of completed) {
      expect(Object.keys(line).sort()).toEqual(
        ['durationMs', 'hostname', 'level', 'msg', 'pid', 'req', 'res', 'time'].sort(),
      );
    }
    expect(completed[0]).toMatchObject({
      req: { id: 'req-prueba-1', method: 'GET' },
      res: { route: '/api/cases/:id', status: 200 },
    });
    expect(Object.keys(completed[0]!.req as object).sort()).toEqual(['id', 'method']);
    expect(completed[1]).toMatchObject({ res: { route: '/api/payments', status: 202 } });
    // A request id that is free text is replaced by a generated one.
    expect((completed[1]!.req as { id: string }).id).toMatch(/^[0-9a-f-]{36}$/);
  });
});
