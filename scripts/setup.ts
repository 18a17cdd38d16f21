/**
 * `npm run setup`: the one-shot step of a cluster deployment, run before (re)starting workers
 * and API replicas, and safe to run again: migrations (`prisma migrate deploy`), the case
 * search attributes on the Temporal namespace (Temporal Cloud refuses to add them: create them
 * with tcld first, then this step only checks them), the policy (CARTERA_POLICY, or
 * the defaults on first run) and the first administrator (CARTERA_ADMIN_PASSWORD, only when no
 * admin exists). Needs DATABASE_URL and TEMPORAL_ADDRESS. Exits 0 when done, 1 on error.
 */
import { Connection } from '@temporalio/client';
import { ensurePolicy } from '../store/policy.js';
import { hashPassword } from '../api/auth.js';
import { loadConfig, type Config } from '../config/index.js';
import { createPrisma } from '../prisma/client.js';
import { registerSearchAttributes } from '../temporal/dev-server.js';
import { CASE_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';
import { requireCluster, stdoutLogger } from './components.js';
import { runPrisma } from './system.js';

/**
 * Adds the case search attributes the namespace lacks. When they are all present it only lists
 * them, which Temporal Cloud allows; adding is refused there, with a message naming the tcld
 * command to run instead.
 */
async function searchAttributes(config: Config, address: string): Promise<string[]> {
  const connection = await Connection.connect({
    address,
    tls: config.temporal.tls === false ? undefined : config.temporal.tls,
    ...(config.temporal.apiKey ? { apiKey: config.temporal.apiKey } : {}),
  });
  try {
    return await registerSearchAttributes(
      connection,
      config.temporal.namespace,
      CASE_SEARCH_ATTRIBUTES,
    );
  } finally {
    await connection.close();
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  const log = stdoutLogger(config, 'setup');
  try {
    const { databaseUrl, temporalAddress } = requireCluster(config, 'npm run setup');
    await runPrisma(['migrate', 'deploy'], databaseUrl);
    log.info('migrations applied');
    const added = await searchAttributes(config, temporalAddress);
    log.info(
      { added, namespace: config.temporal.namespace },
      added.length ? 'search attributes added' : 'search attributes present',
    );
    const prisma = createPrisma(databaseUrl);
    try {
      const policy = await ensurePolicy(prisma, config.policyFile);
      log.info({ version: policy.version, source: policy.source }, 'policy in force');
      const admins = await prisma.user.count({ where: { role: 'admin', active: true } });
      if (admins > 0) {
        log.info({ admins }, 'administrators exist; CARTERA_ADMIN_PASSWORD not used');
      } else if (config.admin.password) {
        await prisma.user.create({
          data: {
            username: config.admin.username,
            displayName: 'Administración del sistema',
            role: 'admin',
            passwordHash: await hashPassword(config.admin.password),
          },
        });
        log.info({ username: config.admin.username }, 'first administrator created');
      } else {
        log.warn('no administrator yet: set CARTERA_ADMIN_PASSWORD and run setup again');
      }
    } finally {
      await prisma.$disconnect();
    }
    log.info('setup done');
    log.flush();
  } catch (err) {
    log.fatal({ err }, 'setup failed');
    log.flush();
    process.exit(1);
  }
}

await main();
