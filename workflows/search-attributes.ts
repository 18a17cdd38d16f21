/**
 * Custom search attributes of case workflows, so engineers can find cases in the Temporal UI
 * and CLI (`temporal workflow list --query 'CarteraStage="reminder"'`). Lists for people are
 * served from PostgreSQL; visibility is eventually consistent.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const CarteraAccount = defineSearchAttributeKey(
  'CarteraAccount',
  SearchAttributeType.KEYWORD,
);
export const CarteraStage = defineSearchAttributeKey('CarteraStage', SearchAttributeType.KEYWORD);
export const CarteraBalanceCents = defineSearchAttributeKey(
  'CarteraBalanceCents',
  SearchAttributeType.INT,
);
export const CarteraPriority = defineSearchAttributeKey('CarteraPriority', SearchAttributeType.INT);

/** Names and types to register on a server (dev server flags or the operator API). */
export const CASE_SEARCH_ATTRIBUTES = {
  CarteraAccount: 'Keyword',
  CarteraStage: 'Keyword',
  CarteraBalanceCents: 'Int',
  CarteraPriority: 'Int',
} as const;
