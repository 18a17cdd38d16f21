/** Command-line options of the fault suite (`npm run test:faults -- --cases 200 --quick`). */
export interface FaultOptions {
  /** Cases opened. */
  cases: number;
  /** Seconds of the run with faults injected (after the cases are open). */
  faultSeconds: number;
  /** Longest drain after the faults stop; it ends earlier once nothing is left to happen. */
  drainSeconds: number;
  /** Worker kills: a random gap in [min, max] seconds between two SIGKILLs. */
  killEvery: [number, number];
  /** Seconds into the fault window: Temporal restart, PostgreSQL restart, SMTP outage. */
  temporalRestartAt: number;
  postgresRestartAt: number;
  smtpDown: [number, number];
  billingFailureRate: number;
  billingSlowRate: number;
  /** Longer than the billing activity's startToCloseTimeout (1 minute). */
  billingDelayMs: number;
  seed: number;
  /** Keep the data folder after the run (for inspection). */
  keep: boolean;
  /** Worker entry to run as the child. @default scripts/worker.ts */
  workerEntry: string | undefined;
}

const FULL: FaultOptions = {
  cases: 1000,
  faultSeconds: 300,
  drainSeconds: 240,
  killEvery: [15, 30],
  temporalRestartAt: 110,
  postgresRestartAt: 200,
  smtpDown: [50, 140],
  billingFailureRate: 0.3,
  billingSlowRate: 0.05,
  billingDelayMs: 70_000,
  seed: 20261128,
  keep: false,
  workerEntry: undefined,
};

const QUICK: Partial<FaultOptions> = {
  cases: 100,
  faultSeconds: 200,
  drainSeconds: 240,
  killEvery: [15, 25],
  temporalRestartAt: 60,
  postgresRestartAt: 120,
  smtpDown: [30, 90],
};

export function parseOptions(argv: string[]): FaultOptions {
  const o: FaultOptions = { ...FULL, ...(argv.includes('--quick') ? QUICK : {}) };
  const num = (name: string): number | undefined => {
    const i = argv.indexOf(`--${name}`);
    if (i < 0) return undefined;
    const v = Number(argv[i + 1]);
    if (!Number.isFinite(v)) throw new Error(`--${name} needs a number`);
    return v;
  };
  const pair = (name: string): [number, number] | undefined => {
    const i = argv.indexOf(`--${name}`);
    if (i < 0) return undefined;
    const [a, b] = String(argv[i + 1])
      .split(',')
      .map(Number);
    if (!Number.isFinite(a) || !Number.isFinite(b)) throw new Error(`--${name} needs a,b`);
    return [a!, b!];
  };
  o.cases = num('cases') ?? o.cases;
  o.faultSeconds = num('fault-seconds') ?? o.faultSeconds;
  o.drainSeconds = num('drain-seconds') ?? o.drainSeconds;
  o.killEvery = pair('kill-every') ?? o.killEvery;
  o.temporalRestartAt = num('temporal-restart-at') ?? o.temporalRestartAt;
  o.postgresRestartAt = num('postgres-restart-at') ?? o.postgresRestartAt;
  o.smtpDown = pair('smtp-down') ?? o.smtpDown;
  o.billingFailureRate = num('billing-failure-rate') ?? o.billingFailureRate;
  o.billingSlowRate = num('billing-slow-rate') ?? o.billingSlowRate;
  o.billingDelayMs = num('billing-delay-ms') ?? o.billingDelayMs;
  o.seed = num('seed') ?? o.seed;
  o.keep = argv.includes('--keep');
  const w = argv.indexOf('--worker');
  o.workerEntry = w >= 0 ? argv[w + 1] : undefined;
  return o;
}

/** Small seeded PRNG (mulberry32), so a run's schedule and cohorts can be repeated. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
