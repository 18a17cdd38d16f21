-- AlterEnum
ALTER TYPE "CloseReason" ADD VALUE 'exceptions_upheld';

-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "NoticeStatus" ADD VALUE 'printed';
ALTER TYPE "NoticeStatus" ADD VALUE 'withdrawn';

-- AlterTable
ALTER TABLE "Notice" ADD COLUMN     "deliveredAt" TIMESTAMP(3),
ADD COLUMN     "workflowId" TEXT;

-- E-mail and SMS notices sent before this column existed were delivered when they were sent.
UPDATE "Notice" SET "deliveredAt" = "sentAt" WHERE status = 'sent' AND channel <> 'letter';
