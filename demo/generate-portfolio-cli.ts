/**
 * Writes a synthetic Machala portfolio export (CSV or XLSX) for demos and importer benchmarks.
 *
 *   npx tsx demo/generate-portfolio-cli.ts --accounts 80000 --seed 1 --rows 100000 \
 *     --malformed-every 997 --format csv --out .data/cartera-100k.csv
 *
 * Progress goes to stderr, one summary line to stdout. Exit code 2 on bad arguments, 1 on
 * failure. See demo/generate-portfolio.ts for what the data looks like.
 */
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { z } from 'zod';
import {
  estimatePortfolioRows,
  PortfolioOptionsSchema,
  writePortfolioCsv,
  writePortfolioXlsx,
  type PortfolioOptions,
} from './generate-portfolio.js';

const USAGE = `Usage: npx tsx demo/generate-portfolio-cli.ts --out <file> [options]

  --out <file>               output file (required)
  --format csv|xlsx          default: from the file extension, else csv
  --accounts <n>             service accounts in the utility (default 80000, max 800000)
  --seed <n>                 PRNG seed, 0–4294967295 (default 20261128)
  --rows <n>                 stop after n invoice rows (default: full export)
  --malformed-every <n>      corrupt every nth row (default: none)
  --as-of <YYYY-MM-DD>       export date (default 2026-11-28)
  --delinquent-share <x>     share of delinquent accounts, clamped to 0.25–0.40 (default 0.32)
  -h, --help                 show this help`;

const wholeNumber = z.string().regex(/^\d+$/, 'must be a whole number');
const decimal = z.string().regex(/^\d*\.?\d+$/, 'must be a decimal number such as 0.32');

/** Raw flags as parseArgs returns them (all strings). */
const CliArgsSchema = z.object({
  out: z.string({ error: 'is required' }).min(1, 'is required'),
  format: z.enum(['csv', 'xlsx'], { error: 'must be csv or xlsx' }).optional(),
  accounts: wholeNumber.optional(),
  seed: wholeNumber.optional(),
  rows: wholeNumber.optional(),
  'malformed-every': wholeNumber.optional(),
  'as-of': z.string().optional(),
  'delinquent-share': decimal.optional(),
});

/** Generator option → the flag that sets it, for error messages. */
const FLAG_OF: Record<string, string> = {
  accounts: '--accounts',
  seed: '--seed',
  maxRows: '--rows',
  malformedEvery: '--malformed-every',
  asOf: '--as-of',
  delinquentShare: '--delinquent-share',
};

class UsageError extends Error {}

function flagIssues(error: z.ZodError, flagOf: (key: string) => string): string {
  return error.issues
    .map((issue) => `${flagOf(String(issue.path[0] ?? ''))}: ${issue.message}`)
    .join('\n');
}

interface CliCommand {
  out: string;
  format: 'csv' | 'xlsx';
  options: PortfolioOptions;
}

function parseCommand(argv: string[]): CliCommand | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        out: { type: 'string', short: 'o' },
        format: { type: 'string' },
        accounts: { type: 'string' },
        seed: { type: 'string' },
        rows: { type: 'string' },
        'malformed-every': { type: 'string' },
        'as-of': { type: 'string' },
        'delinquent-share': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';
  const { help: _help, ...flags } = values;
  const args = CliArgsSchema.safeParse(flags);
  if (!args.success) throw new UsageError(flagIssues(args.error, (key) => `--${key}`));
  const a = args.data;
  const num = (text: string | undefined) => (text === undefined ? undefined : Number(text));
  const options = {
    accounts: num(a.accounts),
    seed: num(a.seed),
    maxRows: num(a.rows),
    malformedEvery: num(a['malformed-every']),
    asOf: a['as-of'],
    delinquentShare: num(a['delinquent-share']),
  };
  const checked = PortfolioOptionsSchema.safeParse(options);
  if (!checked.success) {
    throw new UsageError(flagIssues(checked.error, (key) => FLAG_OF[key] ?? key));
  }
  const format = a.format ?? (extname(a.out).toLowerCase() === '.xlsx' ? 'xlsx' : 'csv');
  return { out: a.out, format, options };
}

const formatBytes = (bytes: number): string =>
  bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;

async function main(argv: string[]): Promise<number> {
  let command: CliCommand | 'help';
  try {
    command = parseCommand(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`error: ${error.message.replaceAll('\n', '\nerror: ')}\n\n${USAGE}\n`);
    return 2;
  }
  if (command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }

  const { out, format, options } = command;
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${format.toUpperCase()} |{bar}| {percentage}% | {value}/{total} rows | ETA {eta}s`,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(estimatePortfolioRows(options), 0);
  const onProgress = (rows: number) => {
    if (rows > bar.getTotal()) bar.setTotal(rows);
    bar.update(rows);
  };
  const started = performance.now();
  try {
    const write = format === 'xlsx' ? writePortfolioXlsx : writePortfolioCsv;
    const summary = await write(out, options, onProgress);
    bar.setTotal(summary.rows);
    bar.update(summary.rows);
    bar.stop();
    const seconds = (performance.now() - started) / 1000;
    const { size } = await stat(out);
    process.stdout.write(
      `${out}: rows=${summary.rows} accounts=${summary.accounts} ` +
        `malformed=${summary.malformed.length} size=${size} bytes (${formatBytes(size)}) ` +
        `time=${seconds.toFixed(2)}s\n`,
    );
    return 0;
  } catch (error) {
    bar.stop();
    process.stderr.write(`error: cannot write ${out}: ${(error as Error).message}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
