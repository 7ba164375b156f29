/**
 * A local Cardano chain that speaks Ogmios v6: the Blaze ledger emulator (phase-1 and Plutus
 * phase-2 validation) behind Ogmios's JSON-RPC on a free loopback port. For development,
 * tests and the first run; never in the production path (architecture §2).
 *
 *   const devnet = await startCardanoDevnet();
 *   // Ogmios clients connect to { host: devnet.host, port: devnet.port }
 *   await devnet.produceBlock(); await devnet.rollback(1); await devnet.stop();
 */
import { Core } from '@blaze-cardano/sdk';
import { DevnetChain } from './chain.js';
import { DEFAULT_GENESIS, deriveAccounts, genesisOutputs, type DevnetAccount, type GenesisOptions } from './genesis.js';
import { OgmiosServer } from './server.js';

export type { DevnetAccount } from './genesis.js';

export interface CardanoDevnetOptions {
  host?: string;
  /** 0 or absent: a free port. */
  port?: number;
  /** Milliseconds per slot (default 1000). */
  slotLength?: number;
  /** Produce a block every N slots on a timer (default 1). */
  blockEvery?: number;
  /** Produce blocks on the timer (default true). Tests that want full control pass false. */
  autoBlocks?: boolean;
  genesis?: Partial<GenesisOptions>;
  /** Slots per epoch reported by eraSummaries/epoch (default 432000, the emulator's). */
  slotsPerEpoch?: number;
  /** Reported `k` (safe zone = 3k). Default 10. */
  securityParameter?: number;
  /** Restart a devnet with the chain `exportChain()` returned (same genesis, same blocks, same ids). */
  restore?: ExportedChain;
}

export interface ExportedChain {
  zeroTime: number;
  slotLength: number;
  genesis: GenesisOptions;
  blocks: { slot: number; txs: string[] }[];
}

export interface DevnetTip {
  slot: number;
  id: string;
  height: number;
}

export interface CardanoDevnet {
  host: string;
  port: number;
  /** WebSocket URL of the Ogmios endpoint. */
  url: string;
  /** HTTP base URL (`/health`). */
  httpUrl: string;
  networkId: 0;
  chain: 'cardano:devnet';
  accounts: DevnetAccount[];
  /** POSIX ms = zeroTime + slot * slotLength. */
  slotConfig: { zeroTime: number; zeroSlot: 0; slotLength: number };
  /** Seals the mempool into a block now (at the current slot, or the next free one). */
  produceBlock(): Promise<DevnetTip>;
  /** Moves the devnet clock forward (validity intervals, block times). Produces no block by itself. */
  advanceTime(ms: number): void;
  /** Drops the last n blocks (ledger state included); followers get a RollBackward. Returns the dropped txs' CBOR. */
  rollback(n: number): Promise<string[]>;
  tip(): DevnetTip;
  /** The devnet clock, POSIX ms. */
  now(): number;
  currentSlot(): number;
  /** Test hook: kills every client socket (the server keeps running). */
  dropConnections(): void;
  exportChain(): ExportedChain;
  /** Idempotent. */
  stop(): Promise<void>;
}

export async function startCardanoDevnet(opts: CardanoDevnetOptions = {}): Promise<CardanoDevnet> {
  await Core.initCrypto?.();
  const slotLength = opts.restore?.slotLength ?? opts.slotLength ?? 1000;
  if (!Number.isInteger(slotLength) || slotLength < 1) throw new RangeError('slotLength must be a positive integer (ms)');
  const blockEvery = opts.blockEvery ?? 1;
  const genesis: GenesisOptions = opts.restore?.genesis ?? { ...DEFAULT_GENESIS, ...opts.genesis };
  const accounts = deriveAccounts(genesis);
  // A whole second, so queryNetwork/startTime (ISO, second precision in some clients) is exact.
  const zeroTime = opts.restore?.zeroTime ?? Math.floor(Date.now() / 1000) * 1000 - slotLength;
  let offset = 0;
  const now = () => Date.now() + offset;
  const chain = new DevnetChain({ genesis: genesisOutputs(accounts), zeroTime, slotLength, now });
  if (opts.restore) await chain.replay(opts.restore.blocks);
  else await chain.produceBlock(); // a first block: the tip is never "origin", /health has a lastTipUpdate

  const slotsPerEpoch = opts.slotsPerEpoch ?? 432_000;
  const server = new OgmiosServer(chain, {
    host: opts.host ?? '127.0.0.1',
    port: opts.port ?? 0,
    slotsPerEpoch,
    securityParameter: opts.securityParameter ?? 10,
    startedAt: new Date(),
  });
  const address = await server.listen();
  const host = address.address;
  const port = address.port;

  let timer: NodeJS.Timeout | undefined;
  if (opts.autoBlocks ?? true) {
    timer = setInterval(() => {
      chain.produceBlock().catch(() => undefined);
    }, slotLength * blockEvery);
  }

  const tipOf = (): DevnetTip => {
    const t = chain.tip()!;
    return { slot: t.slot, id: t.id, height: t.height };
  };
  let stopped: Promise<void> | undefined;

  return {
    host,
    port,
    url: `ws://${host}:${port}`,
    httpUrl: `http://${host}:${port}`,
    networkId: 0,
    chain: 'cardano:devnet',
    accounts,
    slotConfig: { zeroTime, zeroSlot: 0, slotLength },
    produceBlock: async () => {
      await chain.produceBlock();
      return tipOf();
    },
    advanceTime: (ms: number) => {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError('advanceTime: ms must be ≥ 0');
      offset += ms;
    },
    rollback: (n: number) => chain.rollback(n),
    tip: tipOf,
    now: () => Math.max(now(), chain.slotToUnixMs(chain.currentSlot())),
    currentSlot: () => chain.currentSlot(),
    dropConnections: () => server.dropConnections(),
    exportChain: () => ({ zeroTime, slotLength, genesis, blocks: chain.exportBlocks() }),
    stop: () =>
      (stopped ??= (async () => {
        if (timer) clearInterval(timer);
        await chain.serial(() => undefined);
        await server.close();
      })()),
  };
}
