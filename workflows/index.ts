/** Entry point of the workflow bundle: every workflow type the worker runs. */
export { caseWorkflow } from './case.js';
export { agreementWorkflow } from './agreement.js';
export { suspensionWorkflow, reconnectionWorkflow } from './suspension.js';
export { creditTitleWorkflow } from './credit-title.js';
export { coactivaWorkflow } from './coactiva.js';
export { scheduledReportWorkflow } from './reports.js';
