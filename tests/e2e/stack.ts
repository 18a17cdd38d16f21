/**
 * The whole system for browser tests: the web app built by Vite and served by the real API
 * (`createApp`), a real worker with the production activities (outside systems simulated), the
 * test run's Temporal dev server and a fresh PostgreSQL database, driven by Debian's Chromium
 * through playwright-core. Notices go out as under `npm start`: the notice dispatcher
 * (scripts/components.ts `startNoticeDispatcher`, with the Temporal client, so the workflow that
 * queued a notice is told of its delivery) sends e-mail over SMTP to a MailDev catcher and SMS
 * to a file; letters wait for the print batch. Screenshots go to test-results/screenshots/
 * (not committed).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { savePolicy, type PolicyRecord } from '../../store/policy.js';
import type { Role } from '../../domain/roles.js';
import { ROOT_DIR, loadConfig } from '../../config/index.js';
import { DEFAULT_POLICY, resolvePolicy } from '../../domain/policy.js';
import { createSimulators } from '../../activities/simulators.js';
import { withWorker } from '../support/env.js';
import { startNoticeOutbox, type CaughtMail } from '../support/notice-outbox.js';
import { billingRowsFor } from '../support/workflow-env.js';
import { passwordOf, startTestApi, type TestApi } from '../api/support.js';

const run = promisify(execFile);

export const SCREENSHOT_DIR = path.join(ROOT_DIR, 'test-results', 'screenshots');

export interface Stack {
  api: TestApi;
  browser: Browser;
  /** The e-mails the SMTP catcher has accepted so far, oldest first. */
  caughtMail(): Promise<CaughtMail[]>;
  /**
   * The billing simulator learns the accounts imported so far, as the real commercial system
   * knows the accounts it exported (it refuses to post agreements or fees on unknown ones).
   */
  billingKnowsImportedAccounts(): Promise<void>;
  /** Makes cases opened from now on use `overrides` over the current policy. */
  usePolicy(overrides: Record<string, unknown>, reason: string): Promise<PolicyRecord>;
  /** A signed-in browser page for `role` (its own context: its own session storage). */
  signIn(role: Role, opts?: { tablet?: boolean }): Promise<Page>;
  /** Saves a full-page screenshot as test-results/screenshots/<name>.png. */
  screenshot(page: Page, name: string): Promise<string>;
  stop(): Promise<void>;
}

/** Builds the web app into a temporary folder (the same build `npm start` serves). */
async function buildWeb(outDir: string): Promise<void> {
  await run(
    process.execPath,
    [
      path.join(ROOT_DIR, 'node_modules', 'vite', 'bin', 'vite.js'),
      'build',
      '--config',
      path.join(ROOT_DIR, 'web', 'vite.config.ts'),
      '--outDir',
      outDir,
      '--emptyOutDir',
      '--logLevel',
      'error',
    ],
    { cwd: ROOT_DIR, maxBuffer: 16 * 1024 * 1024 },
  );
}

export async function startStack(): Promise<Stack> {
  const { chromiumPath } = loadConfig();
  if (!existsSync(chromiumPath))
    throw new Error(
      `Chromium not found at ${chromiumPath}: install Debian's package (apt-get install chromium) or set CARTERA_CHROMIUM`,
    );
  const webDir = mkdtempSync(path.join(os.tmpdir(), 'cartera-web-'));
  const stops: (() => Promise<unknown>)[] = [
    async () => rmSync(webDir, { recursive: true, force: true }),
  ];
  try {
    await buildWeb(webDir);

    let policy: PolicyRecord | undefined;
    const api = await startTestApi({
      webDir,
      // Cases opened by imports take the policy chosen by the test at that moment.
      policy: async () => policy!,
    });
    stops.push(() => api.close());
    const { prisma } = api.db;
    policy = await savePolicy(prisma, DEFAULT_POLICY, {
      source: 'test',
      reason: 'browser tests',
      createdBy: 'system',
    });

    let stopWorker!: () => void;
    const stopped = new Promise<void>((resolve) => (stopWorker = resolve));
    const simulators = createSimulators();
    const worker = withWorker({ taskQueue: api.deps.taskQueue, prisma, simulators }, () => stopped);
    stops.push(async () => {
      stopWorker();
      await worker;
    });

    // Notices: the dispatcher of `npm start`, a pass every second, over SMTP to MailDev.
    const outbox = await startNoticeOutbox({
      pool: api.db.pool,
      client: api.temporal,
      log: api.deps.log,
    });
    stops.push(() => outbox.stop());

    const browser = await chromium.launch({
      executablePath: chromiumPath,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    });
    stops.push(() => browser.close());
    mkdirSync(SCREENSHOT_DIR, { recursive: true });

    const contexts: BrowserContext[] = [];
    return {
      api,
      browser,
      caughtMail: () => outbox.caughtMail(),
      async billingKnowsImportedAccounts() {
        for (const { id } of await prisma.account.findMany({ select: { id: true } }))
          simulators.billing.load(await billingRowsFor(prisma, id));
      },
      async usePolicy(overrides, reason) {
        const next = resolvePolicy(overrides, policy!.policy);
        if (!next.ok) throw new Error(`bad test policy: ${next.errors.join('; ')}`);
        policy = await savePolicy(prisma, next.policy, {
          source: 'test',
          reason,
          createdBy: 'system',
        });
        return policy;
      },
      async signIn(role, opts = {}) {
        const context = await browser.newContext({
          acceptDownloads: true,
          locale: 'es-EC',
          timezoneId: 'America/Guayaquil',
          viewport: opts.tablet ? { width: 768, height: 1024 } : { width: 1366, height: 900 },
        });
        contexts.push(context);
        const page = await context.newPage();
        page.setDefaultTimeout(15_000);
        await page.goto(`${api.url}/`);
        await page.getByLabel('Usuario').fill(role);
        await page.getByLabel('Contraseña').fill(passwordOf(role));
        await page.getByRole('button', { name: 'Ingresar' }).click();
        await page.getByRole('button', { name: 'Cerrar sesión' }).waitFor();
        return page;
      },
      async screenshot(page, name) {
        const file = path.join(SCREENSHOT_DIR, `${name}.png`);
        await page.screenshot({ path: file, fullPage: true });
        return file;
      },
      async stop() {
        for (const c of contexts) await c.close().catch(() => undefined);
        for (const stop of stops.reverse())
          await stop().catch((err: unknown) => console.error(err));
      },
    };
  } catch (err) {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    throw err;
  }
}
