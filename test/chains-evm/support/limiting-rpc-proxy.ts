/**
 * A JSON-RPC proxy in front of anvil that refuses eth_getLogs the way hosted providers do
 * (anvil itself never refuses): ranges wider than `maxRange` blocks get Alchemy's range error,
 * results longer than `maxResults` get geth's -32005 "query returned more than N results".
 * Everything else is forwarded untouched.
 */
import http from 'node:http';

export interface LimitingProxy {
  url: string;
  refusals: number;
  close(): Promise<void>;
}

interface RpcRequest {
  jsonrpc: '2.0';
  id: number | string;
  method: string;
  params?: unknown[];
}

export async function startLimitingRpcProxy(target: string, limits: { maxRange: number; maxResults: number }): Promise<LimitingProxy> {
  const state = { refusals: 0 };
  const forward = async (req: RpcRequest): Promise<unknown> => {
    const res = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(req) });
    return res.json();
  };
  const handle = async (req: RpcRequest): Promise<unknown> => {
    if (req.method !== 'eth_getLogs') return forward(req);
    const filter = (req.params?.[0] ?? {}) as { fromBlock?: string; toBlock?: string };
    if (filter.fromBlock?.startsWith('0x') && filter.toBlock?.startsWith('0x')) {
      const width = Number(BigInt(filter.toBlock) - BigInt(filter.fromBlock)) + 1;
      if (width > limits.maxRange) {
        state.refusals++;
        return {
          jsonrpc: '2.0',
          id: req.id,
          error: { code: -32600, message: `Log response size exceeded. You can make eth_getLogs requests with up to a ${limits.maxRange} block range.` },
        };
      }
    }
    const answer = (await forward(req)) as { result?: unknown[] };
    if (Array.isArray(answer.result) && answer.result.length > limits.maxResults) {
      state.refusals++;
      return { jsonrpc: '2.0', id: req.id, error: { code: -32005, message: `query returned more than ${limits.maxResults} results` } };
    }
    return answer;
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as RpcRequest | RpcRequest[];
          const out = Array.isArray(body) ? await Promise.all(body.map(handle)) : await handle(body);
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out));
        } catch (err) {
          res.writeHead(502).end(String(err));
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    get refusals() {
      return state.refusals;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
