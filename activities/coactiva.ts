/**
 * Activities of the coactiva: numbering the orden de pago inmediato and ordering the bank
 * retentions. Both are idempotent by a key derived from workflow id + step, so a retry never
 * takes a second number or orders a second retention.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { toLocalDate } from '../domain/calendar.js';
import type { RetentionOrder } from '../domain/coactiva.js';
import type { PrismaClient } from '../prisma/client.js';
import { BanksRejectedError, type BanksPort, type RetentionAnswer } from './banks.js';

/** Series of the órdenes de pago inmediato. */
export const PAYMENT_ORDER_SERIES = 'OPI';

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

function formatDocumentNumber(series: string, year: number, sequence: number): string {
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
    return await prisma.$transaction(async (tx) => {
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
    });
  } catch (err) {
    if (!(err instanceof AlreadyNumbered)) throw err;
    return issued(await prisma.documentNumber.findUniqueOrThrow({ where: { key: req.key } }));
  }
}

export interface CoactivaActivityDeps {
  prisma: PrismaClient;
  banks: BanksPort;
}

export function createCoactivaActivities({ prisma, banks }: CoactivaActivityDeps) {
  return {
    /** Numbers an orden de pago inmediato (series OPI, by the Guayaquil year of `at`). */
    async issuePaymentOrderNumber(req: {
      key: string;
      /** ISO instant of issue. */
      at: string;
    }): Promise<IssuedDocumentNumber> {
      const year = Number(toLocalDate(new Date(req.at)).slice(0, 4));
      return issueDocumentNumber(prisma, { key: req.key, series: PAYMENT_ORDER_SERIES, year });
    },

    /**
     * Sends the retention order (medidas cautelares) to the banks, once per key. A refusal is
     * `OutsideRejected` (non-retryable); an outage or lost answer is retried with the same key.
     */
    async requestRetentions(req: RetentionOrder & { key: string }): Promise<RetentionAnswer> {
      try {
        return await banks.requestRetention({
          key: req.key,
          holderId: req.holderId,
          holderName: req.holderName,
          amountCents: req.amountCents,
          exemptFundKinds: req.exemptFundKinds,
        });
      } catch (err) {
        if (err instanceof BanksRejectedError) {
          throw ApplicationFailure.nonRetryable(err.message, 'OutsideRejected');
        }
        throw err;
      }
    },
  };
}

export type CoactivaActivities = ReturnType<typeof createCoactivaActivities>;
