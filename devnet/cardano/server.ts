/**
 * Ogmios v6 JSON-RPC over WebSocket, plus `GET /health`, on one loopback port, in front of a
 * DevnetChain. Chain-sync follows Ogmios: one cursor per connection, the first `nextBlock`
 * after an intersection is a RollBackward to it, and requests at the tip are held until a
 * block arrives (clients pipeline many `nextBlock`s). Other methods are answered at once.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { Core } from '@blaze-cardano/sdk';
import type { Block, DevnetChain, PointOrOrigin } from './chain.js';
import { RpcFailure, ScriptFailure } from './errors.js';
import { stringifyOgmios } from './json.js';
import { purposeOfTag, utxoFromOgmios, utxoJson } from './ogmios-json.js';
import { protocolParametersJson } from './protocol-params.js';

interface Request {
  jsonrpc?: string;
  method?: unknown;
  params?: Record<string, unknown>;
  id?: unknown;
}

/** Chain-sync state of one connection. */
interface Follower {
  /** Index in `chain.blocks` of the last block sent; -1 = origin. */
  cursor: number;
  /** A RollBackward to send before anything else (after findIntersection or a rollback). */
  rollbackTo: PointOrOrigin | null;
  /** Ids of nextBlock requests not answered yet, oldest first. */
  held: unknown[];
  mempool: { snapshot: string[]; next: number } | null;
}

export interface OgmiosServerOptions {
  host?: string;
  port?: number;
  slotsPerEpoch: number;
  securityParameter: number;
  startedAt: Date;
}

export class OgmiosServer {
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly followers = new Map<WebSocket, Follower>();
  private closed = false;

  constructor(
    private readonly chain: DevnetChain,
    private readonly opts: OgmiosServerOptions,
  ) {
    this.http = createServer((req, res) => this.onHttp(req, res));
    this.wss = new WebSocketServer({ server: this.http, maxPayload: 64 * 1024 * 1024 });
    this.wss.on('connection', (ws) => this.onConnection(ws));
    chain.on('block', this.onBlock);
    chain.on('rollback', this.onRollback);
  }

  async listen(): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.opts.port ?? 0, this.opts.host ?? '127.0.0.1', () => {
        this.http.off('error', reject);
        resolve();
      });
    });
    return this.http.address() as AddressInfo;
  }

  /** Closes every client socket abruptly (test hook for disconnects); the server keeps listening. */
  dropConnections(): void {
    for (const ws of this.wss.clients) ws.terminate();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.chain.off('block', this.onBlock);
    this.chain.off('rollback', this.onRollback);
    for (const ws of this.wss.clients) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private onHttp(req: IncomingMessage, res: ServerResponse): void {
    if (req.method === 'GET' && (req.url === '/health' || req.url?.startsWith('/health?'))) {
      const tip = this.chain.tipJson();
      const slot = tip === 'origin' ? 0 : tip.slot;
      const body = {
        startTime: this.opts.startedAt.toISOString(),
        lastKnownTip: tip,
        lastTipUpdate: this.chain.lastTipUpdate?.toISOString() ?? null,
        networkSynchronization: 1,
        currentEra: 'conway',
        metrics: {
          activeConnections: this.wss.clients.size,
          totalConnections: this.wss.clients.size,
          sessionDurations: { max: 0, mean: 0, min: 0 },
          totalMessages: 0,
          totalUnrouted: 0,
        },
        connectionStatus: 'connected',
        currentEpoch: Math.floor(slot / this.opts.slotsPerEpoch),
        slotInEpoch: slot % this.opts.slotsPerEpoch,
        version: 'v6.14.0 (fusion-relayer devnet)',
        network: 'devnet',
      };
      // `connection: close`: clients (node-fetch with Node's keep-alive agent) must not reuse a pooled
      // socket for the next health check, which would hang up if the devnet restarted in between.
      res.writeHead(200, { 'content-type': 'application/json', connection: 'close' }).end(JSON.stringify(body));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json', connection: 'close' }).end(JSON.stringify({ error: 'not found' }));
  }

  private onConnection(ws: WebSocket): void {
    this.followers.set(ws, { cursor: -1, rollbackTo: 'origin', held: [], mempool: null });
    ws.on('message', (data) => {
      void this.onMessage(ws, data.toString());
    });
    ws.on('close', () => this.followers.delete(ws));
    ws.on('error', () => this.followers.delete(ws));
  }

  private send(ws: WebSocket, method: string, id: unknown, payload: { result: unknown } | { error: unknown }): void {
    if (ws.readyState !== ws.OPEN) return;
    const msg: Record<string, unknown> = { jsonrpc: '2.0', method, ...payload };
    if (id !== undefined) msg.id = id;
    ws.send(stringifyOgmios(msg));
  }

  private sendRpcError(ws: WebSocket, id: unknown, code: number, message: string): void {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(stringifyOgmios({ jsonrpc: '2.0', error: { code, message }, ...(id !== undefined ? { id } : {}) }));
  }

  private async onMessage(ws: WebSocket, text: string): Promise<void> {
    let req: Request;
    try {
      req = JSON.parse(text) as Request;
    } catch {
      this.sendRpcError(ws, undefined, -32700, 'Parse error: invalid JSON.');
      return;
    }
    const method = typeof req.method === 'string' ? req.method : '';
    const id = req.id;
    if (method === 'nextBlock') {
      const f = this.followers.get(ws);
      if (!f) return;
      f.held.push(id);
      this.pump(ws, f);
      return;
    }
    try {
      const result = await this.dispatch(ws, method, req.params ?? {});
      this.send(ws, method, id, { result });
    } catch (err) {
      if (err instanceof RpcFailure && err.generic) {
        this.sendRpcError(ws, id, err.code, err.message);
      } else if (err instanceof RpcFailure) {
        this.send(ws, method, id, {
          error: { code: err.code, message: err.message, ...(err.data !== undefined ? { data: err.data } : {}) },
        });
      } else {
        this.sendRpcError(ws, id, -32603, `Internal error: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  private async dispatch(ws: WebSocket, method: string, params: Record<string, unknown>): Promise<unknown> {
    const chain = this.chain;
    switch (method) {
      case 'findIntersection':
        return this.findIntersection(ws, params);
      case 'submitTransaction': {
        const id = await chain.submit(txCbor(params));
        return { transaction: { id } };
      }
      case 'evaluateTransaction':
        return this.evaluate(params);
      case 'queryNetwork/tip':
      case 'queryLedgerState/tip': {
        const t = chain.tipJson();
        return t === 'origin' ? 'origin' : { slot: t.slot, id: t.id };
      }
      case 'queryNetwork/blockHeight': {
        const t = chain.tipJson();
        return t === 'origin' ? 'origin' : t.height;
      }
      case 'queryNetwork/startTime':
        return new Date(chain.zeroTime).toISOString();
      case 'queryLedgerState/epoch': {
        const t = chain.tipJson();
        return Math.floor((t === 'origin' ? 0 : t.slot) / this.opts.slotsPerEpoch);
      }
      case 'queryLedgerState/eraStart':
        return { time: { seconds: 0 }, slot: 0, epoch: 0 };
      case 'queryLedgerState/eraSummaries':
        return [
          {
            start: { time: { seconds: 0 }, slot: 0, epoch: 0 },
            parameters: {
              epochLength: this.opts.slotsPerEpoch,
              slotLength: { milliseconds: chain.slotLength },
              safeZone: 3 * this.opts.securityParameter,
            },
          },
        ];
      case 'queryLedgerState/protocolParameters':
        return protocolParametersJson(chain.emulator.params);
      case 'queryLedgerState/utxo':
        return this.utxo(params);
      case 'acquireMempool': {
        const f = this.followers.get(ws)!;
        f.mempool = { snapshot: chain.pendingIds(), next: 0 };
        return { acquired: 'mempool', slot: chain.currentSlot() };
      }
      case 'nextTransaction': {
        const m = this.followers.get(ws)!.mempool;
        if (!m) throw new RpcFailure(4000, 'You must acquire a mempool snapshot first.');
        const txId = m.snapshot[m.next++];
        return { transaction: txId ? { id: txId } : null };
      }
      case 'hasTransaction': {
        const m = this.followers.get(ws)!.mempool;
        if (!m) throw new RpcFailure(4000, 'You must acquire a mempool snapshot first.');
        return m.snapshot.includes(String(params.id ?? ''));
      }
      case 'releaseMempool': {
        const f = this.followers.get(ws)!;
        if (!f.mempool) throw new RpcFailure(4000, 'You must acquire a mempool snapshot first.');
        f.mempool = null;
        return { released: 'mempool' };
      }
      default:
        throw new RpcFailure(-32601, `Method not found: '${method}' is not served by the devnet.`);
    }
  }

  private findIntersection(ws: WebSocket, params: Record<string, unknown>): unknown {
    const points = Array.isArray(params.points) ? (params.points as unknown[]) : [];
    let best: number | undefined;
    for (const p of points) {
      const point = parsePoint(p);
      if (point === undefined) continue;
      const i = this.chain.indexOf(point);
      if (i !== undefined && (best === undefined || i > best)) best = i;
    }
    if (best === undefined) {
      throw new RpcFailure(1000, 'No intersection found.', { tip: this.chain.tipJson() });
    }
    const f = this.followers.get(ws)!;
    f.cursor = best;
    f.rollbackTo = this.chain.pointOf(best);
    return { intersection: f.rollbackTo, tip: this.chain.tipJson() };
  }

  /** Answers held nextBlock requests as far as the chain allows. */
  private pump(ws: WebSocket, f: Follower): void {
    const blocks = this.chain.blocks;
    while (f.held.length) {
      if (f.rollbackTo !== null) {
        const point = f.rollbackTo;
        f.rollbackTo = null;
        this.send(ws, 'nextBlock', f.held.shift(), {
          result: { direction: 'backward', point, tip: this.chain.tipJson() },
        });
        continue;
      }
      if (f.cursor >= blocks.length - 1) return;
      f.cursor += 1;
      const block = blocks[f.cursor] as Block;
      this.send(ws, 'nextBlock', f.held.shift(), {
        result: { direction: 'forward', block: block.json, tip: this.chain.tipJson() },
      });
    }
  }

  private readonly onBlock = () => {
    for (const [ws, f] of this.followers) this.pump(ws, f);
  };

  private readonly onRollback = (tipIndex: number) => {
    for (const [ws, f] of this.followers) {
      if (f.cursor > tipIndex) {
        f.cursor = tipIndex;
        f.rollbackTo = this.chain.pointOf(tipIndex);
      }
      this.pump(ws, f);
    }
  };

  private utxo(params: Record<string, unknown>): unknown {
    let filter: Parameters<DevnetChain['utxos']>[0];
    if (Array.isArray(params.outputReferences)) {
      filter = {
        outputReferences: (params.outputReferences as { transaction?: { id?: string }; index?: number }[]).map((r) => ({
          txId: String(r?.transaction?.id ?? ''),
          index: Number(r?.index ?? -1),
        })),
      };
    } else if (Array.isArray(params.addresses)) {
      filter = { addresses: (params.addresses as unknown[]).map(String) };
    }
    return this.chain.utxos(filter).map((u) => utxoJson(u.input(), u.output()));
  }

  private async evaluate(params: Record<string, unknown>): Promise<unknown> {
    const cbor = txCbor(params);
    let tx: Core.Transaction;
    try {
      tx = Core.Transaction.fromCbor(Core.TxCBOR(cbor));
      tx.body();
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      const eras = ['shelley', 'allegra', 'mary', 'alonzo', 'babbage', 'conway'];
      throw new RpcFailure(-32602, 'Invalid transaction; it could not be deserialised.', Object.fromEntries(eras.map((e) => [e, reason])));
    }
    const extra = Array.isArray(params.additionalUtxo) ? (params.additionalUtxo as unknown[]).map(utxoFromOgmiosOrFail) : [];
    const byKey = new Map(extra.map((u) => [`${u.input().transactionId()}#${u.input().index()}`, u]));
    const body = tx.body();
    const resolved: Core.TransactionUnspentOutput[] = [];
    const missing: string[] = [];
    for (const input of [...body.inputs().values(), ...(body.referenceInputs()?.values() ?? [])]) {
      const key = `${input.transactionId()}#${input.index()}`;
      const out = this.chain.emulator.getOutput(input);
      if (out) resolved.push(new Core.TransactionUnspentOutput(input, out));
      else if (byKey.has(key)) resolved.push(byKey.get(key)!);
      else missing.push(key);
    }
    if (missing.length) {
      throw new RpcFailure(3004, 'Cannot create an evaluation context.', { reason: `unknown inputs: ${missing.join(', ')}` });
    }
    try {
      const redeemers = await this.chain.evaluator()(tx, resolved);
      return redeemers.values().map((r) => ({
        validator: { purpose: purposeOfTag(r.tag()), index: Number(r.index()) },
        budget: { memory: r.exUnits().mem(), cpu: r.exUnits().steps() },
      }));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (!(err instanceof ScriptFailure)) throw new RpcFailure(3004, 'Cannot create an evaluation context.', { reason: message });
      throw new RpcFailure(3010, 'Some scripts of the transactions terminated with error(s).', [
        {
          validator: { purpose: 'spend', index: 0 },
          error: { code: 3012, message: 'Script evaluation failed.', data: { validationError: message, traces: [] } },
        },
      ]);
    }
  }
}

function txCbor(params: Record<string, unknown>): string {
  const t = params.transaction as { cbor?: unknown } | undefined;
  if (typeof t?.cbor !== 'string' || !/^[0-9a-fA-F]+$/.test(t.cbor)) {
    throw new RpcFailure(-32602, "Invalid params: expected 'transaction.cbor' as a base16 string.");
  }
  return t.cbor;
}

function parsePoint(p: unknown): PointOrOrigin | undefined {
  if (p === 'origin') return 'origin';
  if (p && typeof p === 'object' && 'slot' in p && 'id' in p) {
    const { slot, id } = p as { slot: unknown; id: unknown };
    if (typeof id === 'string') return { slot: Number(slot), id };
  }
  return undefined;
}

function utxoFromOgmiosOrFail(raw: unknown): Core.TransactionUnspentOutput {
  try {
    return utxoFromOgmios(raw);
  } catch (err) {
    throw new RpcFailure(-32602, `Invalid additionalUtxo: ${err instanceof Error ? err.message : String(err)}`);
  }
}
