/**
 * `npm run simulators`: the bundled simulators of the outside systems (billing, field
 * operations, notaries, banks) as a process of their own, for a cluster that has no real ones
 * yet (demo, training, load tests). Listens on API_HOST:BILLING_SIMULATOR_PORT; billing state
 * is kept in CARTERA_DATA_DIR/billing-simulator.json. Point the workers at it with
 * BILLING_URL=FIELD_OPS_URL=BANKS_URL=http://<host>:<port> and NOTARIES_URL=<same>/notaries.
 * A single instance: the simulators keep their records in memory.
 *
 * Billing here plays the commercial system whose exports Cartera imports: `npm start` (with
 * BILLING_URL set to this process) and `npm run import` find it by `GET <BILLING_URL>/simulator`
 * and send every imported row to `POST <BILLING_URL>/simulator/accounts`, so the cases' fees and
 * agreements find their accounts.
 */
import path from 'node:path';
import { createSimulators, serveSimulators } from '../activities/simulators.js';
import { loadConfig } from '../config/index.js';
import { runProcess, stdoutLogger } from './components.js';

const config = loadConfig();
const log = stdoutLogger(config, 'simulators');

await runProcess(log, async (stops) => {
  const sims = createSimulators({
    billingFile: path.join(config.dataDir, 'billing-simulator.json'),
  });
  const served = await serveSimulators(sims, {
    host: config.api.host,
    port: config.billing.simulatorPort,
  });
  stops.push(() => served.close());
  log.info({ url: served.url }, 'simulators listening');
  return {};
});
