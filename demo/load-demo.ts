/**
 * First-run demo: a synthetic Machala portfolio becomes the billing simulator's ledger, and
 * Cartera pulls the simulator's overdue-invoice export through the billing adapter (the same
 * path a live commercial system would take), imports it and opens the cases. The export comes
 * from the simulator's own ledger, so the simulator already knows every account it imports.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type pg from 'pg';
import type { BillingAdapter } from '../activities/billing/port.js';
import type { BillingMirror } from '../activities/billing/simulator.js';
import type { PolicyRecord } from '../store/policy.js';
import { toLocalDate } from '../domain/calendar.js';
import { validatePortfolioRow, type PortfolioRow } from '../domain/portfolio-row.js';
import { importPortfolio } from '../intake/import.js';
import { openCases } from '../intake/open-cases.js';
import { readExport } from '../intake/read.js';
import type { PrismaClient } from '../prisma/client.js';
import { assignUnownedSectors, seedDemoUsers } from '../prisma/seed.js';
import { writePortfolioCsv } from './generate-portfolio.js';

export interface DemoDeps {
  pool: pg.Pool;
  prisma: PrismaClient;
  temporal: Client;
  taskQueue: string;
  billing: BillingAdapter;
  /**
   * Present when the bundled simulator plays billing (in this process or `npm run
   * simulators`): seeded with the portfolio when it knows no account yet.
   */
  billingMirror: BillingMirror | null;
  policy: PolicyRecord;
  dataDir: string;
  log: (line: string) => void;
}

/** True once a demo import has succeeded (the demo loads only on the first start). */
export async function demoLoaded(prisma: PrismaClient): Promise<boolean> {
  return (
    (await prisma.importBatch.count({ where: { createdBy: 'demo', status: 'succeeded' } })) > 0
  );
}

export async function loadDemo(
  deps: DemoDeps,
  opts: { accounts: number; seed: number },
): Promise<void> {
  const dir = path.join(deps.dataDir, 'demo');
  mkdirSync(dir, { recursive: true });
  const today = toLocalDate(new Date());
  await seedDemoUsers(deps.prisma);

  if (deps.billingMirror && (await deps.billingMirror.accountCount()) === 0) {
    const generated = path.join(dir, 'portfolio.csv');
    const summary = await writePortfolioCsv(generated, {
      accounts: opts.accounts,
      seed: opts.seed,
      asOf: today,
    });
    const rows: PortfolioRow[] = [];
    for await (const raw of readExport(generated, 'csv')) {
      const r = validatePortfolioRow(raw.values);
      if (r.ok) rows.push(r.row);
    }
    await deps.billingMirror.mirrorRows(rows);
    deps.log(
      `Simulador de facturación: ${summary.accounts} cuentas morosas, ${summary.rows} planillas vencidas`,
    );
  }

  const exportFile = path.join(dir, `export-${today}.csv`);
  writeFileSync(exportFile, await deps.billing.exportOverdueInvoices());
  const report = await importPortfolio(
    deps.pool,
    { filePath: exportFile, fileName: path.basename(exportFile), format: 'csv' },
    { createdBy: 'demo' },
  );
  if (report.status !== 'succeeded') throw new Error(`demo import failed: ${report.failure}`);
  deps.log(
    `Importación: ${report.goodRows} filas, ${report.accountsUpserted} cuentas, ${report.badRows} con errores (${report.durationMs} ms)`,
  );
  await assignUnownedSectors(deps.prisma);
  const cases = await openCases(
    { pool: deps.pool, temporal: deps.temporal, taskQueue: deps.taskQueue },
    {
      policy: deps.policy.policy,
      policyVersion: deps.policy.version,
      asOf: today,
      openedBy: 'system',
    },
  );
  await deps.pool.query(`UPDATE "ImportBatch" SET "casesOpened" = $2 WHERE id = $1`, [
    report.id,
    cases.opened,
  ]);
  deps.log(
    `Casos abiertos: ${cases.opened} de ${cases.eligible} cuentas elegibles (${cases.durationMs} ms)`,
  );
}
