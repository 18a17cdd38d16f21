/**
 * Workflow ids come from business keys through these helpers only. A case's id is derived from
 * the account number, and cases start with conflict policy FAIL (a live case cannot be opened
 * twice) and reuse policy ALLOW_DUPLICATE (a closed account may open a new case later).
 */
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';

export function caseWorkflowId(accountNumber: string): string {
  return `case-${accountNumber}`;
}

export const CASE_ID_POLICIES = {
  workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
  workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
} as const;
