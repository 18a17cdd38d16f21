/** Bundles workflows/ as the worker will run them; fails on any import the sandbox forbids. */
import { writeWorkflowBundle } from '../temporal/bundle.js';

const file = await writeWorkflowBundle();
console.log(`workflow bundle written: ${file}`);
