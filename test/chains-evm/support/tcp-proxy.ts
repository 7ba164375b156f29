/**
 * A loopback TCP proxy in front of a node, to take the node "away" and bring it back on the
 * same address without restarting it: `cut()` closes the listener and every open connection
 * (clients see ECONNREFUSED / resets, as when a node dies); `restore()` listens again on the
 * same port.
 */
import net from 'node:net';

export interface TcpProxy {
  port: number;
  url: string;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  const makeServer = () =>
    net.createServer((client) => {
      const upstream = net.connect(targetPort, '127.0.0.1');
      sockets.add(client).add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.pipe(upstream);
      upstream.pipe(client);
    });
  const listen = (srv: net.Server, port: number) =>
    new Promise<number>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(port, '127.0.0.1', () => resolve((srv.address() as net.AddressInfo).port));
    });
  let server: net.Server | null = makeServer();
  const port = await listen(server, 0);
  const cut = async () => {
    const s = server;
    server = null;
    for (const sock of sockets) sock.destroy();
    sockets.clear();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    cut,
    restore: async () => {
      if (server) return;
      server = makeServer();
      await listen(server, port);
    },
    close: cut,
  };
}
