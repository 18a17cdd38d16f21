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
import { issueDocumentNumber, type IssuedDocumentNumber } from '../store/document-numbers.js';

export { issueDocumentNumber, type IssuedDocumentNumber } from '../store/document-numbers.js';

/** Series of the órdenes de pago inmediato. */
export const PAYMENT_ORDER_SERIES = 'OPI';

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
