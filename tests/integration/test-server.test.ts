import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  DefaultLogger,
  Runtime,
  Worker,
  bundleWorkflowCode,
  type WorkflowBundle,
} from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { startTemporalTestServer, type TestServer } from '../../temporal/dev-server.js';
import { findFreePort } from '../../temporal/ports.js';

const testServerPath = loadConfig().temporal.testServerPath ?? '';
if (!testServerPath) {
  throw new Error(
    'no Temporal test server configured: run `node scripts/ensure.mjs` (writes .tools/paths.json)',
  );
}
const workflowsPath = fileURLToPath(new URL('../fixtures/sleep-workflow.ts', import.meta.url));
const THIRTY_DAYS_MS = 30 * 24 * 3600 * 1000;

Runtime.install({ logger: new DefaultLogger('ERROR') });

async function runSleep(
  env: TestWorkflowEnvironment,
  workflowBundle: WorkflowBundle,
  workflowId: string,
) {
  const taskQueue = `sleep-${workflowId}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle,
  });
  return await worker.runUntil(async () => {
    const started = performance.now();
    const result = await env.client.workflow.execute('sleepFor', {
      taskQueue,
      workflowId,
      args: ['30 days'],
    });
    return { result, realMs: performance.now() - started };
  });
}

describe('Temporal time-skipping test server', { timeout: 60_000 }, () => {
  let workflowBundle: WorkflowBundle;
  beforeAll(async () => {
    workflowBundle = await bundleWorkflowCode({
      workflowsPath,
      logger: new DefaultLogger('ERROR'),
    });
  });

  it('via the SDK with an existing-path executable: a 30-day sleep completes at once', async () => {
    const env = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: testServerPath } },
    });
    try {
      expect(env.supportsTimeSkipping).toBe(true);
      const before = await env.currentTimeMs();
      const { result, realMs } = await runSleep(env, workflowBundle, 'sdk-spawned');
      expect(result).toBe('slept 30 days');
      expect(realMs).toBeLessThan(10_000);
      expect((await env.currentTimeMs()) - before).toBeGreaterThanOrEqual(THIRTY_DAYS_MS);
    } finally {
      await env.teardown();
    }
  });

  describe('started by startTemporalTestServer', () => {
    let server: TestServer;
    let env: TestWorkflowEnvironment;
    beforeAll(async () => {
      server = await startTemporalTestServer({ path: testServerPath, port: await findFreePort() });
      env = await TestWorkflowEnvironment.createFromExistingServer({ address: server.address });
    });
    afterAll(async () => {
      await env?.teardown();
      await server?.stop();
    });

    it('skips time whenever the server is idle, so the sleep also completes at once', async () => {
      // The SDK treats an existing server as a normal one: no lock/unlock, env.sleep() is real time.
      expect(env.supportsTimeSkipping).toBe(false);
      const { result, realMs } = await runSleep(env, workflowBundle, 'self-started');
      expect(result).toBe('slept 30 days');
      expect(realMs).toBeLessThan(10_000);
    });
  });
});
