/**
 * Launchers for local Temporal servers, given the binaries that scripts/ensure.mjs resolved:
 * the dev server (`temporal server start-dev`, SQLite persistence, optional Web UI) and the
 * Java time-skipping test server. Both wait for readiness with their own loop instead of the
 * SDK's fixed 5 s, and fail with the server's last output if it dies early.
 *
 * For time-skipping workflow tests the SDK's own environment is the better fit:
 *   TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } } })
 * It starts the same binary, locks time skipping while the test runs and unlocks it only while a
 * result is awaited, and its `env.sleep()` skips time. `startTemporalTestServer` +
 * `createFromExistingServer` also works, but that environment treats the server as a normal one:
 * time then skips whenever the server is idle (`--enable-time-skipping` leaves it unlocked) and
 * `env.sleep()` waits in real time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Connection, isGrpcServiceError } from '@temporalio/client';
import { isPortOpen } from './ports.js';

/** Search attribute types as the Temporal CLI spells them (`--search-attribute Name=Type`). */
export type SearchAttributeKind =
  'Keyword' | 'Text' | 'Int' | 'Double' | 'Bool' | 'Datetime' | 'KeywordList';

export interface DevServerOptions {
  /** Absolute path of the `temporal` CLI binary. */
  cliPath: string;
  /** SQLite file for persistence across restarts (its folder is created); omit for in-memory. */
  dbFile?: string;
  /** Interface the gRPC front end (and the UI) bind to. @default '127.0.0.1' */
  ip?: string;
  /** gRPC front-end port. */
  port: number;
  /**
   * SQLite pragmas for `dbFile` (`--sqlite-pragma NAME=VALUE`; the CLI accepts journal_mode and
   * synchronous), e.g. `{ journal_mode: 'wal', synchronous: 'normal' }` for write throughput.
   */
  sqlitePragmas?: Record<string, string>;
  /** Web UI port; omit to run headless. */
  uiPort?: number;
  /** Namespace created at start (the `default` namespace always exists too). */
  namespace: string;
  /** Custom search attributes registered at start, e.g. `{ CaseStage: 'Keyword' }`. */
  searchAttributes: Record<string, SearchAttributeKind>;
  /** File that receives the server's stdout and stderr (appended); otherwise only the last lines are kept for errors. */
  logFile?: string;
  /** Server log level. @default 'warn' */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Dynamic config values (`--dynamic-config-value KEY=JSON`), e.g. `{ 'limit.maxIDLength': 255 }`. */
  dynamicConfig?: Record<string, string | number | boolean>;
  /** How long to wait for the namespace and search attributes to be served, in ms. @default 60000 */
  readyTimeoutMs?: number;
  /** Grace period after SIGTERM before SIGKILL on stop, in ms. @default 10000 */
  stopTimeoutMs?: number;
}

export interface DevServer {
  /** `host:port` for `Connection.connect` / `NativeConnection.connect`. */
  address: string;
  namespace: string;
  /** Web UI base URL when a UI port was given. */
  uiUrl?: string;
  pid: number;
  /** SIGTERM, then SIGKILL after `stopTimeoutMs`; resolves once the process has exited. Idempotent. */
  stop(): Promise<void>;
}

export interface TestServerOptions {
  /** Absolute path of the `temporal-test-server` binary. */
  path: string;
  port: number;
  /** Pass `--enable-time-skipping`. @default true */
  timeSkipping?: boolean;
  /** File that receives the server's output (appended). */
  logFile?: string;
  /** @default 60000 */
  readyTimeoutMs?: number;
  /** @default 10000 */
  stopTimeoutMs?: number;
}

export interface TestServer {
  /** `host:port` of the test server. */
  address: string;
  pid: number;
  /** SIGTERM, then SIGKILL after `stopTimeoutMs`. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts `temporal server start-dev` and resolves once the namespace and every requested search
 * attribute are served. Rejects (after killing the process) if it exits early or is not ready
 * within `readyTimeoutMs`; the error carries the server's last output lines.
 */
export async function startTemporalDevServer(opts: DevServerOptions): Promise<DevServer> {
  const ip = opts.ip ?? '127.0.0.1';
  const host = connectHost(ip);
  const address = hostPort(host, opts.port);
  await assertPortFree(opts.port, host, 'Temporal dev server');
  if (opts.uiPort !== undefined) await assertPortFree(opts.uiPort, host, 'Temporal Web UI');

  const args = [
    'server',
    'start-dev',
    '--ip',
    ip,
    '--port',
    String(opts.port),
    '--namespace',
    opts.namespace,
  ];
  args.push('--log-level', opts.logLevel ?? 'warn');
  if (opts.dbFile !== undefined) {
    fs.mkdirSync(path.dirname(path.resolve(opts.dbFile)), { recursive: true });
    args.push('--db-filename', path.resolve(opts.dbFile));
    for (const [name, value] of Object.entries(opts.sqlitePragmas ?? {})) {
      assertIdentifier(name, 'SQLite pragma');
      assertIdentifier(value, 'SQLite pragma value');
      args.push('--sqlite-pragma', `${name}=${value}`);
    }
  }
  if (opts.uiPort !== undefined) args.push('--ui-port', String(opts.uiPort));
  else args.push('--headless');
  for (const [name, kind] of Object.entries(opts.searchAttributes)) {
    assertIdentifier(name);
    args.push('--search-attribute', `${name}=${kind}`);
  }
  for (const [key, value] of Object.entries(opts.dynamicConfig ?? {})) {
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  }

  const proc = startProcess(
    'Temporal dev server',
    opts.cliPath,
    args,
    opts.logFile,
    opts.stopTimeoutMs ?? 10_000,
  );
  const wanted = Object.keys(opts.searchAttributes);
  await waitUntilReady(proc, address, opts.readyTimeoutMs ?? 60_000, async (connection) => {
    await connection.workflowService.describeNamespace({ namespace: opts.namespace });
    const { customAttributes } = await connection.operatorService.listSearchAttributes({
      namespace: opts.namespace,
    });
    const missing = wanted.filter((name) => !(name in (customAttributes ?? {})));
    if (missing.length > 0)
      throw new Error(`search attributes not registered yet: ${missing.join(', ')}`);
  });

  return {
    address,
    namespace: opts.namespace,
    ...(opts.uiPort !== undefined ? { uiUrl: `http://${hostPort(host, opts.uiPort)}` } : {}),
    pid: proc.pid,
    stop: proc.stop,
  };
}

/**
 * Starts the Java time-skipping test server (`<path> <port> --enable-time-skipping`) and resolves
 * once it answers `GetSystemInfo`. See the module comment for when to prefer the SDK's
 * `TestWorkflowEnvironment.createTimeSkipping` with an `existing-path` executable.
 */
export async function startTemporalTestServer(opts: TestServerOptions): Promise<TestServer> {
  const host = '127.0.0.1';
  const address = hostPort(host, opts.port);
  await assertPortFree(opts.port, host, 'Temporal test server');
  const args = [
    String(opts.port),
    ...((opts.timeSkipping ?? true) ? ['--enable-time-skipping'] : []),
  ];
  const proc = startProcess(
    'Temporal test server',
    opts.path,
    args,
    opts.logFile,
    opts.stopTimeoutMs ?? 10_000,
  );
  await waitUntilReady(proc, address, opts.readyTimeoutMs ?? 60_000, async (connection) => {
    await connection.workflowService.getSystemInfo({});
  });
  return { address, pid: proc.pid, stop: proc.stop };
}

// gRPC status codes (grpc/status.h) that registerSearchAttributes branches on.
const GRPC_ALREADY_EXISTS = 6;
const GRPC_PERMISSION_DENIED = 7;
const GRPC_UNIMPLEMENTED = 12;
const GRPC_UNAUTHENTICATED = 16;

// temporal.api.enums.v1.IndexedValueType
/** Search attribute kinds as the server API numbers them (IndexedValueType). */
export const INDEXED_VALUE_TYPE: Record<SearchAttributeKind, number> = {
  Text: 1,
  Keyword: 2,
  Int: 3,
  Double: 4,
  Bool: 5,
  Datetime: 6,
  KeywordList: 7,
};

/**
 * Adds the custom search attributes that `namespace` lacks on an existing cluster (one not
 * started by `startTemporalDevServer`). Idempotent: present attributes of the same type and
 * concurrent "already exists" answers are fine; an attribute present with another type throws.
 * Temporal Cloud does not allow this call: create the attributes there with `tcld` or the UI.
 *
 * @returns the names that were added
 */
export async function registerSearchAttributes(
  connection: Connection,
  namespace: string,
  attrs: Record<string, SearchAttributeKind>,
): Promise<string[]> {
  const wanted = Object.entries(attrs);
  if (wanted.length === 0) return [];
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({
      namespace,
    });
    const existing = customAttributes ?? {};
    const conflicts = wanted.filter(
      ([name, kind]) => name in existing && existing[name] !== INDEXED_VALUE_TYPE[kind],
    );
    if (conflicts.length > 0) {
      const detail = conflicts
        .map(([name, kind]) => `${name} (wanted ${kind}, found ${kindName(existing[name])})`)
        .join(', ');
      throw new Error(
        `search attributes exist with another type in namespace ${namespace}: ${detail}`,
      );
    }
    const missing = wanted.filter(([name]) => !(name in existing));
    if (missing.length === 0) return [];
    const searchAttributes = Object.fromEntries(
      missing.map(([name, kind]) => [name, INDEXED_VALUE_TYPE[kind]]),
    );
    try {
      await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
    } catch (err) {
      if (!(isGrpcServiceError(err) && err.code === GRPC_ALREADY_EXISTS)) throw err;
    }
    return missing.map(([name]) => name);
  } catch (err) {
    if (
      isGrpcServiceError(err) &&
      [GRPC_PERMISSION_DENIED, GRPC_UNIMPLEMENTED, GRPC_UNAUTHENTICATED].includes(err.code)
    ) {
      const list = wanted.map(([name, kind]) => `${name}=${kind}`).join(', ');
      throw new Error(
        `The cluster refused to register search attributes in namespace ${namespace} (${err.details || err.message}). ` +
          `On Temporal Cloud this is not allowed through the API: create them with ` +
          `\`tcld namespace search-attributes add --namespace <ns>.<account> --search-attribute "Name=Type"\` ` +
          `or in the Cloud UI (Namespaces > ${namespace} > Search attributes). Needed: ${list}`,
        { cause: err },
      );
    }
    throw err;
  }
}

function kindName(indexedValueType: number | undefined): string {
  const entry = Object.entries(INDEXED_VALUE_TYPE).find(([, value]) => value === indexedValueType);
  return entry ? entry[0] : `type ${indexedValueType}`;
}

// ---------------------------------------------------------------------------------------------
// Process handling shared by both servers

interface ManagedProcess {
  label: string;
  pid: number;
  /** Last lines the process printed (stdout and stderr). */
  recentOutput(): string;
  /** Set once the process has exited. */
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  exited: Promise<void>;
  stop(): Promise<void>;
}

const RECENT_OUTPUT_CHARS = 16_000;

function startProcess(
  label: string,
  command: string,
  args: string[],
  logFile: string | undefined,
  stopTimeoutMs: number,
): ManagedProcess {
  if (!fs.existsSync(command)) {
    throw new Error(
      `${label}: ${command} does not exist; run \`node scripts/ensure.mjs\` to install it`,
    );
  }
  const child: ChildProcess = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let recent = '';
  let log: fs.WriteStream | undefined;
  if (logFile !== undefined) {
    fs.mkdirSync(path.dirname(path.resolve(logFile)), { recursive: true });
    log = fs.createWriteStream(logFile, { flags: 'a' });
    log.write(`--- ${new Date().toISOString()} ${command} ${args.join(' ')}\n`);
  }
  const record = (chunk: Buffer) => {
    log?.write(chunk);
    recent = (recent + chunk.toString('utf8')).slice(-RECENT_OUTPUT_CHARS);
  };
  child.stdout?.on('data', record);
  child.stderr?.on('data', record);

  // If this Node process exits without stop(), do not leave the server running (it would hold
  // the port and the SQLite file). SIGTERM lets it shut down cleanly after we are gone.
  const onParentExit = () => child.kill('SIGTERM');
  process.once('exit', onParentExit);

  let spawnError: Error | undefined;
  const proc: ManagedProcess = {
    label,
    pid: child.pid ?? -1,
    exit: undefined,
    recentOutput: () => (spawnError ? `${spawnError.message}\n${recent}` : recent),
    exited: new Promise<void>((resolve) => {
      child.once('error', (err) => {
        // ENOENT/EACCES: 'exit' never follows.
        spawnError = err;
        proc.exit ??= { code: null, signal: null };
        resolve();
      });
      child.once('exit', (code, signal) => {
        proc.exit = { code, signal };
        resolve();
      });
    }).then(() => {
      process.removeListener('exit', onParentExit);
      log?.end();
    }),
    stop: once(async () => {
      if (proc.exit) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
      await proc.exited;
      clearTimeout(timer);
    }),
  };
  return proc;
}

async function waitUntilReady(
  proc: ManagedProcess,
  address: string,
  timeoutMs: number,
  check: (connection: Connection) => Promise<void>,
): Promise<void> {
  const [host, port] = splitHostPort(address);
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (proc.exit) {
      const how = proc.exit.signal ? `signal ${proc.exit.signal}` : `code ${proc.exit.code}`;
      throw new Error(
        `${proc.label} exited with ${how} before it was ready. Last output:\n${proc.recentOutput()}`,
      );
    }
    // Cheap probe first: Connection.connect would otherwise spend its own timeout per attempt.
    if (await isPortOpen(port, host, 500)) {
      let connection: Connection | undefined;
      try {
        connection = await Connection.connect({ address, connectTimeout: '2s' });
        const conn = connection;
        await conn.withDeadline(Date.now() + 5_000, () => check(conn));
        return;
      } catch (err) {
        lastError = err;
      } finally {
        await connection?.close().catch(() => undefined);
      }
    }
    await delay(150);
  }
  await proc.stop();
  const reason = lastError instanceof Error ? lastError.message : 'port never opened';
  throw new Error(
    `${proc.label} was not ready at ${address} within ${timeoutMs} ms (${reason}). Last output:\n${proc.recentOutput()}`,
  );
}

async function assertPortFree(port: number, host: string, label: string): Promise<void> {
  // Without this check the readiness loop could succeed against whatever already listens there.
  if (await isPortOpen(port, host, 500)) {
    throw new Error(
      `${label}: port ${port} on ${host} is already in use (an earlier server still running?)`,
    );
  }
}

function assertIdentifier(name: string, what = 'search attribute name'): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
    throw new Error(`invalid ${what}: ${JSON.stringify(name)}`);
}

/** Where to connect for a bind address: wildcard binds are reached through loopback. */
function connectHost(ip: string): string {
  if (ip === '0.0.0.0') return '127.0.0.1';
  if (ip === '::') return '::1';
  return ip;
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function splitHostPort(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i).replace(/^\[|\]$/g, ''), Number(address.slice(i + 1))];
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= fn());
}
