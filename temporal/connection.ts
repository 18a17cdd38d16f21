/** Client and worker connections to Temporal, from the one Config. */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from '../config/index.js';

function target(config: Config, address?: string) {
  const addr = address ?? config.temporal.address;
  if (!addr)
    throw new Error('Temporal address unknown: start the dev server or set TEMPORAL_ADDRESS');
  return {
    address: addr,
    tls: config.temporal.tls === false ? undefined : config.temporal.tls,
    ...(config.temporal.apiKey ? { apiKey: config.temporal.apiKey } : {}),
  };
}

/** A client for starting, signalling and querying workflows. */
export async function connectClient(config: Config, address?: string): Promise<Client> {
  const connection = await Connection.connect(target(config, address));
  return new Client({ connection, namespace: config.temporal.namespace });
}

/** The worker's native connection; connect it before Worker.create so a bad address fails fast. */
export function connectWorker(config: Config, address?: string): Promise<NativeConnection> {
  return NativeConnection.connect(target(config, address));
}
