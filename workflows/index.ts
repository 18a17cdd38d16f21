/** Entry point of the workflow bundle: every workflow type the worker runs. */
export { caseWorkflow } from './case.js';
