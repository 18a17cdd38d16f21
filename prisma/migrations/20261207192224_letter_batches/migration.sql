-- AlterTable
ALTER TABLE "Notice" ADD COLUMN     "batchId" UUID;

-- CreateTable
CREATE TABLE "LetterBatch" (
    "id" UUID NOT NULL,
    "number" TEXT NOT NULL,
    "sector" TEXT,
    "route" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdBy" UUID NOT NULL,
    "notifier" TEXT,
    "confirmedAt" TIMESTAMP(3),
    "confirmedBy" UUID,
    "letterCount" INTEGER NOT NULL,
    "letterIds" UUID[],
    "deliveredCount" INTEGER NOT NULL DEFAULT 0,
    "failedCount" INTEGER NOT NULL DEFAULT 0,
    "fileName" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "bytes" BYTEA NOT NULL,
    "sizeBytes" INTEGER NOT NULL,
    "pages" INTEGER NOT NULL,

    CONSTRAINT "LetterBatch_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "LetterBatch_number_key" ON "LetterBatch"("number");

-- CreateIndex
CREATE INDEX "LetterBatch_createdAt_idx" ON "LetterBatch"("createdAt");

-- CreateIndex
CREATE INDEX "Notice_batchId_idx" ON "Notice"("batchId");

-- AddForeignKey
ALTER TABLE "Notice" ADD CONSTRAINT "Notice_batchId_fkey" FOREIGN KEY ("batchId") REFERENCES "LetterBatch"("id") ON DELETE SET NULL ON UPDATE CASCADE;
