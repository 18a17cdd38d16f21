import net from 'node:net';

/**
 * Asks the OS for a TCP port that is free right now on `host`.
 *
 * Another process may take the port between this call and its use, so callers that start a
 * server on it should treat "address already in use" as retryable.
 *
 * @param host interface to probe; @default '127.0.0.1'
 */
export async function findFreePort(host = '127.0.0.1'): Promise<number> {
  return await new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close((err) => {
        if (err) reject(err);
        else if (port > 0) resolve(port);
        else reject(new Error(`could not read the port the OS assigned on ${host}`));
      });
    });
  });
}

/**
 * True when something accepts TCP connections on `host:port` (within `timeoutMs`).
 *
 * @param timeoutMs connect timeout in milliseconds; @default 500
 */
export async function isPortOpen(
  port: number,
  host = '127.0.0.1',
  timeoutMs = 500,
): Promise<boolean> {
  return await new Promise<boolean>((resolve) => {
    const socket = net.connect({ port, host });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
