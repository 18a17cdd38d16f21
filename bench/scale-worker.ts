/**
 * The case worker of bench/open-cases-100k.ts, in its own process so that its memory can be
 * read from /proc: the production worker (temporal/worker.ts: every workflow, every activity)
 * over the bench database, with the outside systems simulated in process.
 *
 *   tsx bench/scale-worker.ts '{"address":"127.0.0.1:7233","taskQueue":"…","databaseUrl":"…","cache":300}'
 *
 * Prints `ready` once polling; stops on SIGTERM/SIGINT (the SDK's default shutdown signals).
 */
import { NativeConnection } from '@temporalio/worker';
import { z } from 'zod';
import { createSimulators } from '../activities/simulators.js';
import { createPrisma } from '../prisma/client.js';
import { createCaseWorker } from '../temporal/worker.js';

const argsSchema = z.object({
  address: z.string(),
  namespace: z.string().default('default'),
  taskQueue: z.string(),
  databaseUrl: z.string(),
  cache: z.number().int().min(10),
  /** A prebuilt workflow bundle (temporal/bundle.ts), as CARTERA_WORKFLOW_BUNDLE in production. */
  bundlePath: z.string().optional(),
});

const args = argsSchema.parse(JSON.parse(process.argv[2] ?? '{}'));
const prisma = createPrisma(args.databaseUrl, 10);
const connection = await NativeConnection.connect({ address: args.address });
try {
  const worker = await createCaseWorker({
    connection,
    namespace: args.namespace,
    taskQueue: args.taskQueue,
    prisma,
    ...createSimulators(),
    maxCachedWorkflows: args.cache,
    ...(args.bundlePath ? { bundlePath: args.bundlePath } : {}),
  });
  const running = worker.run();
  process.stdout.write('ready\n');
  await running;
} finally {
  await connection.close();
  await prisma.$disconnect();
}
