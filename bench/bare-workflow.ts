/**
 * The "bare" workflow of bench/case-opening.ts: the least a long-lived Temporal workflow can
 * be. Like a case, it stays open; it waits for one signal and then returns. Not part of the
 * worker bundle (workflows/index.ts): the bench compares starts with no worker polling.
 */
import { condition, defineSignal, setHandler } from '@temporalio/workflow';

export const releaseSignal = defineSignal('release');

export async function benchBareWorkflow(): Promise<void> {
  let released = false;
  setHandler(releaseSignal, () => void (released = true));
  await condition(() => released);
}
