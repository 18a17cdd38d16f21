/**
 * The fault suite's own infrastructure, each piece restartable: an embedded PostgreSQL, a
 * Temporal dev server with SQLite persistence, the outside-system simulators (billing with
 * injected faults), an SMTP sink that can be taken down, and the worker as a child process
 * that can be killed with SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import type { Server } from 'node:http';
import { SMTPServer } from 'smtp-server';
import type { SimulatorFaults } from '../../activities/billing/simulator-server.js';
import {
  createSimulators,
  serveSimulators,
  type OutsideSimulators,
} from '../../activities/simulators.js';
import { ROOT_DIR } from '../../config/index.js';
import {
  ensureDatabase,
  startEmbeddedPostgres,
  type EmbeddedPostgres,
} from '../../scripts/embedded-postgres.js';
import { runPrisma, withDatabase } from '../../scripts/system.js';
import { startTemporalDevServer, type DevServer } from '../../temporal/dev-server.js';
import { findFreePort } from '../../temporal/ports.js';
import { CASE_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.js';

export const log = (line: string) =>
  console.log(`[faults ${new Date().toISOString().slice(11, 19)}] ${line}`);

/** PostgreSQL under `dir`, stoppable and restartable on the same port and data. */
export class Postgres {
  private server: EmbeddedPostgres | null = null;
  url = '';
  constructor(
    private readonly dir: string,
    readonly port: number,
  ) {}

  async start(): Promise<void> {
    this.server = await startEmbeddedPostgres({
      dataDir: path.join(this.dir, 'pg'),
      port: this.port,
      logFile: path.join(this.dir, 'logs', 'postgres.log'),
      // Throwaway cluster; a fast shutdown still writes everything, a crash of the OS is not tested.
      postgresFlags: ['-c', 'fsync=off', '-c', 'max_connections=200'],
    });
    await ensureDatabase(this.server.url, 'cartera');
    this.url = withDatabase(this.server.url, 'cartera');
  }

  async migrate(): Promise<void> {
    await runPrisma(['migrate', 'deploy'], this.url);
  }

  async stop(): Promise<void> {
    await this.server?.stop();
    this.server = null;
  }
}

/** Temporal dev server with its state in a SQLite file, so it survives a restart. */
export class Temporal {
  private server: DevServer | null = null;
  readonly address: string;
  constructor(
    private readonly cliPath: string,
    private readonly dir: string,
    readonly port: number,
  ) {
    this.address = `127.0.0.1:${port}`;
  }

  async start(): Promise<void> {
    this.server = await startTemporalDevServer({
      cliPath: this.cliPath,
      dbFile: path.join(this.dir, 'temporal', 'temporal.db'),
      port: this.port,
      namespace: 'default',
      searchAttributes: CASE_SEARCH_ATTRIBUTES,
      logFile: path.join(this.dir, 'logs', 'temporal.log'),
      readyTimeoutMs: 120_000,
    });
  }

  async stop(): Promise<void> {
    await this.server?.stop();
    this.server = null;
  }
}

export interface ReceivedMail {
  messageId: string;
  to: string;
  at: number;
}

/** An SMTP server that keeps the Message-ID of every accepted message; can be taken down. */
export class MailSink {
  private server: SMTPServer | null = null;
  readonly received: ReceivedMail[] = [];
  /** Connections refused while down are not seen here; count of sessions while up. */
  sessions = 0;
  constructor(readonly port: number) {}

  get up(): boolean {
    return this.server !== null;
  }

  async start(): Promise<void> {
    const server = new SMTPServer({
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      size: 20 * 1024 * 1024,
      onConnect: (_session, cb) => {
        this.sessions++;
        cb();
      },
      onData: (stream, session, cb) => {
        // Only the header block is needed: the Message-ID the dispatcher set.
        let head = '';
        let done = false;
        stream.on('data', (chunk: Buffer) => {
          if (done) return;
          head += chunk.toString('latin1');
          const end = head.indexOf('\r\n\r\n');
          if (end >= 0) {
            head = head.slice(0, end);
            done = true;
          }
        });
        stream.on('end', () => {
          const m = /^message-id:\s*(<[^>\r\n]+>)/im.exec(head);
          this.received.push({
            messageId: m?.[1] ?? '',
            to: session.envelope.rcptTo.map((r) => r.address).join(','),
            at: Date.now(),
          });
          cb();
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    server.on('error', () => undefined);
    this.server = server;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

/** Outside systems in this process; billing's faults can be changed while running. */
export async function startOutside(port: number, faults: SimulatorFaults) {
  const sims: OutsideSimulators = createSimulators();
  const served = await serveSimulators(sims, { port, billingFaults: faults });
  return { sims, url: served.url, close: () => served.close() };
}

export type { Server };

/** The worker as a child process: `scripts/worker.ts` (`npm run worker`), or another entry. */
export class WorkerChild {
  private child: ChildProcess | null = null;
  private out: WriteStream;
  readonly entry: string;
  starts = 0;
  kills = 0;
  unexpectedExits = 0;
  constructor(
    private readonly env: Record<string, string>,
    logFile: string,
    entry?: string,
  ) {
    mkdirSync(path.dirname(logFile), { recursive: true });
    this.out = createWriteStream(logFile, { flags: 'a' });
    this.entry = path.resolve(ROOT_DIR, entry ?? path.join('scripts', 'worker.ts'));
    if (!existsSync(this.entry)) throw new Error(`worker entry ${this.entry} not found`);
  }

  get running(): boolean {
    return this.child !== null;
  }

  start(): void {
    if (this.child) return;
    this.starts++;
    const child = spawn(process.execPath, ['--import', 'tsx', this.entry], {
      cwd: ROOT_DIR,
      // The child is configured only through its environment, as in production.
      // eslint-disable-next-line no-restricted-properties
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.out.write(`--- start ${this.starts} pid ${child.pid} at ${new Date().toISOString()}\n`);
    child.stdout?.pipe(this.out, { end: false });
    child.stderr?.pipe(this.out, { end: false });
    child.on('exit', (code, signal) => {
      this.out.write(`--- exit pid ${child.pid} code ${code} signal ${signal}\n`);
      if (this.child === child) {
        // Not killed by us: note it and start it again, as a supervisor would.
        this.child = null;
        this.unexpectedExits++;
        log(`worker exited on its own (code ${code}, signal ${signal}); restarting`);
        setTimeout(() => this.start(), 1000);
      }
    });
    this.child = child;
  }

  /** SIGKILL, no warning; resolves once the process is gone. */
  async kill9(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    this.kills++;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  /** SIGTERM at the end of the run. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}

export { findFreePort };
