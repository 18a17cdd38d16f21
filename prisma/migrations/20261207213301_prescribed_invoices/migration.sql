-- AlterTable
ALTER TABLE "Invoice" ADD COLUMN     "prescribedAt" TIMESTAMP(3),
ADD COLUMN     "prescribedBy" TEXT;
