/**
 * The workflow bundle. Building it is also the check that workflows/ imports nothing that
 * cannot run in the deterministic sandbox: the bundler rejects Node built-ins (and so Prisma,
 * pg, express…), and CI runs `npm run build:workflows`.
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ROOT_DIR } from '../config/index.js';

export const WORKFLOWS_PATH = path.join(ROOT_DIR, 'workflows', 'index.ts');
export const BUNDLE_PATH = path.join(ROOT_DIR, 'dist', 'workflow-bundle.js');

export async function writeWorkflowBundle(): Promise<string> {
  const bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH });
  await mkdir(path.dirname(BUNDLE_PATH), { recursive: true });
  await writeFile(BUNDLE_PATH, bundle.code);
  return BUNDLE_PATH;
}
