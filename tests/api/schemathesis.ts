/**
 * Schemathesis (property-based API testing from the OpenAPI document), pinned and installed on
 * first use into `.tools/schemathesis/` from PyPI: a venv when `python3 -m venv` works, else
 * `pip install --target`. A marker file records the pinned version, so warm runs only read it.
 * Only the fuzz test uses it, so `npm start` never pays for it.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The pinned release (4.x, the current major). */
export const SCHEMATHESIS_VERSION = '4.32.5';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const base = path.join(root, '.tools', 'schemathesis');
const venvDir = path.join(base, 'venv');
const targetDir = path.join(base, 'pip');
const markerOf = (dir: string) => path.join(dir, 'cartera-pinned.json');
const lockDir = path.join(root, '.tools', 'schemathesis.lock');
const pinned = JSON.stringify({ schemathesis: SCHEMATHESIS_VERSION });

/** How to start the CLI: `command ...prefix <schemathesis arguments>`. */
export interface SchemathesisCommand {
  command: string;
  prefix: string[];
}

const marked = (dir: string) => {
  try {
    return readFileSync(markerOf(dir), 'utf8') === pinned;
  } catch {
    return false;
  }
};

// The console script's own body, for the `pip --target` install that has no script of its own.
const viaPath = (dir: string) =>
  `import sys; sys.path.insert(0, ${JSON.stringify(dir)}); sys.argv[0] = 'schemathesis'; ` +
  'from schemathesis.cli import schemathesis; sys.exit(schemathesis())';

function installed(python: string): SchemathesisCommand | undefined {
  const venvCli = path.join(venvDir, 'bin', 'schemathesis');
  if (marked(venvDir) && existsSync(venvCli)) return { command: venvCli, prefix: [] };
  if (marked(targetDir)) return { command: python, prefix: ['-c', viaPath(targetDir)] };
  return undefined;
}

async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  mkdirSync(path.dirname(lockDir), { recursive: true });
  const deadline = Date.now() + 5 * 60_000;
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch {
      // Another run is installing; a lock older than the deadline is left from a crash.
      const age = Date.now() - (existsSync(lockDir) ? statSync(lockDir).mtimeMs : Date.now());
      if (age > 5 * 60_000) rmSync(lockDir, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lockDir}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

const pipFlags = ['install', '--disable-pip-version-check', '--no-input', '-q'];

/** The pinned Schemathesis CLI, installed first when missing (about 10 s, needs PyPI). */
export async function ensureSchemathesis(python = 'python3'): Promise<SchemathesisCommand> {
  const ready = installed(python);
  if (ready) return ready;
  return withLock(async () => {
    const again = installed(python);
    if (again) return again;
    const spec = `schemathesis==${SCHEMATHESIS_VERSION}`;
    rmSync(venvDir, { recursive: true, force: true });
    try {
      await run(python, ['-m', 'venv', venvDir]);
      await run(path.join(venvDir, 'bin', 'python'), ['-m', 'pip', ...pipFlags, spec], {
        maxBuffer: 16 << 20,
      });
      writeFileSync(markerOf(venvDir), pinned);
    } catch (venvErr) {
      // Debian without python3-venv: install into a plain folder instead.
      rmSync(venvDir, { recursive: true, force: true });
      rmSync(targetDir, { recursive: true, force: true });
      try {
        await run(python, ['-m', 'pip', ...pipFlags, '--target', targetDir, spec], {
          maxBuffer: 16 << 20,
        });
      } catch (pipErr) {
        throw new Error(
          `could not install ${spec} with ${python} (needs Python 3 with venv or pip, and PyPI): ${(venvErr as Error).message}; ${(pipErr as Error).message}`,
        );
      }
      writeFileSync(markerOf(targetDir), pinned);
    }
    const done = installed(python);
    if (!done) throw new Error(`${spec} installed but its CLI was not found in ${base}`);
    return done;
  });
}
