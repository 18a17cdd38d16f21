import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import {
  registerSearchAttributes,
  startTemporalDevServer,
  type DevServer,
  type SearchAttributeKind,
} from '../../temporal/dev-server.js';
import { findFreePort } from '../../temporal/ports.js';

const cliPath = loadConfig().temporal.cliPath ?? '';
if (!cliPath)
  throw new Error(
    'no Temporal CLI configured: run `node scripts/ensure.mjs` (writes .tools/paths.json)',
  );
const namespace = 'cartera-it';
const caseStage = defineSearchAttributeKey('CaseStage', SearchAttributeType.KEYWORD);
const searchAttributes: Record<string, SearchAttributeKind> = {
  CaseStage: 'Keyword',
  DebtCents: 'Int',
};

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function eventually<T>(
  fn: () => Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('Temporal dev server launcher', { timeout: 60_000 }, () => {
  let dir: string;
  let dbFile: string;
  let server: DevServer | undefined;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cartera-devserver-'));
    dbFile = path.join(dir, 'nested', 'temporal.db');
  });
  afterAll(async () => {
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function start(extra: Record<string, SearchAttributeKind> = {}): Promise<DevServer> {
    const t0 = performance.now();
    const started = await startTemporalDevServer({
      cliPath,
      dbFile,
      port: await findFreePort(),
      namespace,
      searchAttributes: { ...searchAttributes, ...extra },
      logFile: path.join(dir, 'temporal.log'),
    });
    const rssKb = execFileSync('ps', ['-o', 'rss=', '-p', String(started.pid)], {
      encoding: 'utf8',
    }).trim();
    console.info(
      `dev server ready in ${Math.round(performance.now() - t0)} ms, RSS ${Math.round(Number(rssKb) / 1024)} MB`,
    );
    return started;
  }

  it('serves the namespace with the search attributes, and keeps workflows in the SQLite file across a restart', async () => {
    server = await start();
    expect(server.uiUrl).toBeUndefined();
    let connection = await Connection.connect({ address: server.address });
    try {
      const ns = await connection.workflowService.describeNamespace({ namespace });
      expect(ns.namespaceInfo?.name).toBe(namespace);
      const { customAttributes } = await connection.operatorService.listSearchAttributes({
        namespace,
      });
      expect(customAttributes).toMatchObject({ CaseStage: 2, DebtCents: 3 }); // IndexedValueType KEYWORD, INT

      expect(
        await registerSearchAttributes(connection, namespace, {
          CaseStage: 'Keyword',
          Agency: 'Text',
        }),
      ).toEqual(['Agency']);
      expect(
        await registerSearchAttributes(connection, namespace, {
          CaseStage: 'Keyword',
          Agency: 'Text',
        }),
      ).toEqual([]);
      await expect(
        registerSearchAttributes(connection, namespace, { CaseStage: 'Int' }),
      ).rejects.toThrow(/another type/);

      // No worker polls this queue: the workflow just stays open, which is all persistence needs.
      const client = new Client({ connection, namespace });
      await client.workflow.start('sleepFor', {
        taskQueue: 'nobody-polls',
        workflowId: 'persisted-case',
        args: ['30 days'],
        typedSearchAttributes: [{ key: caseStage, value: 'intake' }],
      });
    } finally {
      await connection.close();
    }

    const firstPid = server.pid;
    await server.stop();
    await server.stop(); // idempotent
    expect(isRunning(firstPid)).toBe(false);

    // Same file again; Agency is now also passed as a flag although it already exists.
    server = await start({ Agency: 'Text' });
    connection = await Connection.connect({ address: server.address });
    try {
      const client = new Client({ connection, namespace });
      const description = await client.workflow.getHandle('persisted-case').describe();
      expect(description.status.name).toBe('RUNNING');
      expect(description.typedSearchAttributes.get(caseStage)).toBe('intake');
      const { customAttributes } = await connection.operatorService.listSearchAttributes({
        namespace,
      });
      expect(Object.keys(customAttributes ?? {})).toEqual(
        expect.arrayContaining(['CaseStage', 'DebtCents', 'Agency']),
      );

      const count = await eventually(
        async () => (await client.workflow.count(`CaseStage = "intake"`)).count,
        (n) => n === 1,
      );
      expect(count).toBe(1);
    } finally {
      await connection.close();
    }
  });

  it('refuses a port that is already taken instead of talking to whatever listens there', async () => {
    const blocker = net.createServer().listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    try {
      const port = (blocker.address() as net.AddressInfo).port;
      await expect(
        startTemporalDevServer({ cliPath, port, namespace: 'other', searchAttributes: {} }),
      ).rejects.toThrow(/already in use/);
    } finally {
      blocker.close();
    }
  });

  it('reports the server output when it exits before it is ready', async () => {
    await expect(
      startTemporalDevServer({
        cliPath,
        port: await findFreePort(),
        namespace: 'other',
        searchAttributes: { Broken: 'NoSuchType' as SearchAttributeKind },
      }),
    ).rejects.toThrow(/exited with code 1 before it was ready[\s\S]*NoSuchType/);
  });
});
