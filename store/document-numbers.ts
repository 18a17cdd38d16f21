/**
 * Institution-wide document numbers (títulos de crédito, órdenes de pago inmediato…): one
 * yearly sequence per series, gapless, and idempotent by key so a retried activity never
 * takes a second number.
 */
import type { PrismaClient } from '../prisma/client.js';

/** A document number taken from a series' yearly counter. */
export interface IssuedDocumentNumber {
  key: string;
  series: string;
  year: number;
  /** 1, 2, 3… within the series and year. */
  sequence: number;
  /** As printed, e.g. `"OPI-2026-000042"`. */
  number: string;
}

export function formatDocumentNumber(series: string, year: number, sequence: number): string {
  return `${series}-${year}-${String(sequence).padStart(6, '0')}`;
}

function issued(row: {
  key: string;
  series: string;
  year: number;
  number: number;
}): IssuedDocumentNumber {
  return {
    key: row.key,
    series: row.series,
    year: row.year,
    sequence: row.number,
    number: formatDocumentNumber(row.series, row.year, row.number),
  };
}

/** Thrown inside the numbering transaction to roll back the counter: the key already has one. */
class AlreadyNumbered extends Error {}

/**
 * Takes the next number of `series` for `year`, once per `key`: the same key always gets the
 * same number, and concurrent callers never share or skip one (the counter row is locked by
 * the upsert until the number is stored; a lost race on the key rolls the increment back).
 */
export async function issueDocumentNumber(
  prisma: PrismaClient,
  req: { key: string; series: string; year: number },
): Promise<IssuedDocumentNumber> {
  const existing = await prisma.documentNumber.findUnique({ where: { key: req.key } });
  if (existing) return issued(existing);
  try {
    return await prisma.$transaction(
      async (tx) => {
        const [counter] = await tx.$queryRaw<{ last: number }[]>`
        INSERT INTO "DocumentCounter" (series, year, last) VALUES (${req.series}, ${req.year}, 1)
        ON CONFLICT (series, year) DO UPDATE SET last = "DocumentCounter".last + 1
        RETURNING last`;
        if (!counter) throw new Error(`no counter for ${req.series}/${req.year}`);
        const row = {
          key: req.key,
          series: req.series,
          year: req.year,
          number: Number(counter.last),
        };
        const inserted = await tx.documentNumber.createMany({ data: [row], skipDuplicates: true });
        if (inserted.count === 0) throw new AlreadyNumbered();
        return issued(row);
        // Callers of one series queue on the counter row: under load the default 5 s would
        // expire their transactions and turn the queue into a storm of retries.
      },
      { maxWait: 30_000, timeout: 30_000 },
    );
  } catch (err) {
    if (!(err instanceof AlreadyNumbered)) throw err;
    return issued(await prisma.documentNumber.findUniqueOrThrow({ where: { key: req.key } }));
  }
}
