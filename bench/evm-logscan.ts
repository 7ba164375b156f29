/**
 * EVM log scan: how fast the monitor turns a 10,000-block range holding 10,000 escrow events
 * into stored, publishable chain events.
 *
 * Setup (not timed): anvil with automine off; a helper contract (test/chains-evm/support/
 * log-emitter.ts) emits SrcEscrowCreated logs — 50 per transaction, one transaction every 50th
 * block — so the range holds 10,000 events in 200 blocks among 9,800 empty ones. (Fewer, fuller
 * blocks only because anvil on this shared machine slows down sharply when driven block by
 * block; the scan cost is per log and per request, not per block: logs carry their timestamp.) The monitor
 * is configured with the helper as its `factory`, so every log goes the real path: eth_getLogs
 * in bounded ranges → factory check → ABI decode (tuple structs, strings, packed timelocks) →
 * block headers → ChainStateStore.apply → bus.
 *
 * Measured:
 *   - fetchDecode: eth_getLogs over the range in 2,000-block requests + decode, no store;
 *   - monitor (Postgres, and PGlite): a fresh monitor from the start block until its cursor
 *     reaches the head and all 10,000 events are published (with 1 confirmation each event is
 *     written twice: observed, then final, both in the same batch transaction).
 *
 *   npx tsx bench/evm-logscan.ts
 */
import { fileURLToPath } from 'node:url';
import { createPublicClient, encodeFunctionData, http, type Address, type Hex, type PublicClient } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { InProcessBus } from '../src/bus/in-process.js';
import { ALL_TOPICS } from '../src/chains/evm/abi.js';
import { decodeFactoryLog, logKind } from '../src/chains/evm/decode.js';
import { evmEscrowFollower } from '../src/chains/evm/escrow-follower.js';
import { getRawLogs } from '../src/chains/evm/rpc.js';
import { packTimelocks } from '../src/domain/timelocks.js';
import { timedChainStore } from './_timed-store.js';
import { ChainStateRepository } from '../src/store/chain-state-repo.js';
import { startAnvil, type AnvilHandle } from '../devnet/evm/anvil.js';
import { compileLogEmitter } from '../test/chains-evm/support/log-emitter.js';
import { withPglite, withPostgres } from '../test/support/db.js';

const EVENTS = 10_000;
const BLOCKS = 10_000;
const EVENTS_PER_TX = 50;
const RANGE = 2_000;
const DEV_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80' as const; // anvil's public test key

async function rpc(client: PublicClient, method: string, params: unknown[] = []): Promise<unknown> {
  return client.request({ method, params } as never);
}

/** Deploys the emitter and mines BLOCKS blocks holding EVENTS events. Returns [start, end]. */
async function buildChain(anvil: AnvilHandle): Promise<{ emitter: Address; from: bigint; to: bigint }> {
  const client = createPublicClient({ transport: http(anvil.rpcUrl) }) as PublicClient;
  const account = privateKeyToAccount(DEV_KEY);
  const { bytecode } = compileLogEmitter();
  const { abi } = compileLogEmitter();
  let nonce = 0;
  const send = async (tx: { to?: Address; data: Hex; gas: bigint }) => {
    const raw = await account.signTransaction({ ...tx, nonce: nonce++, chainId: anvil.chainId, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 1n, type: 'eip1559' });
    return (await rpc(client, 'eth_sendRawTransaction', [raw])) as Hex;
  };
  await rpc(client, 'evm_setAutomine', [false]);
  const deployTx = await send({ data: bytecode, gas: 3_000_000n });
  await rpc(client, 'evm_mine');
  const receipt = (await rpc(client, 'eth_getTransactionReceipt', [deployTx])) as { contractAddress: Address; blockNumber: Hex };
  const emitter = receipt.contractAddress;
  const from = BigInt(receipt.blockNumber) + 1n;
  const timelocks = packTimelocks(
    { srcWithdrawal: 10, srcPublicWithdrawal: 20, srcCancellation: 300, srcPublicCancellation: 400, dstWithdrawal: 5, dstPublicWithdrawal: 15, dstCancellation: 200 },
    1_700_000_000,
  );
  const txs = EVENTS / EVENTS_PER_TX;
  const gap = BLOCKS / txs;
  for (let i = 0; i < txs; i++) {
    await send({
      to: emitter,
      data: encodeFunctionData({ abi, functionName: 'emitSrcCreated', args: [BigInt(EVENTS_PER_TX), BigInt(i), timelocks] }),
      gas: 8_000_000n,
    });
    // The pending transaction goes into the first of these blocks; the others stay empty.
    await rpc(client, 'anvil_mine', [`0x${gap.toString(16)}`]);
    if ((i + 1) % 40 === 0) process.stderr.write(`evm-logscan: ${(i + 1) * EVENTS_PER_TX} events mined\n`);
  }
  const to = BigInt((await rpc(client, 'eth_blockNumber')) as Hex);
  let count = 0;
  for (let a = from; a <= to; a += 1_000n) {
    count += (await getRawLogs(client, { address: emitter, topics: [], fromBlock: a, toBlock: a + 999n < to ? a + 999n : to })).length;
  }
  if (count !== EVENTS || to - from + 1n !== BigInt(BLOCKS)) throw new Error(`setup made ${count} events in ${to - from + 1n} blocks`);
  return { emitter, from, to };
}

async function fetchDecode(rpcUrl: string, emitter: Address, from: bigint, to: bigint) {
  const client = createPublicClient({ transport: http(rpcUrl) }) as PublicClient;
  let fetched = 0;
  let decoded = 0;
  let fetchMs = 0;
  let decodeMs = 0;
  for (let a = from; a <= to; a += BigInt(RANGE)) {
    const b = a + BigInt(RANGE) - 1n < to ? a + BigInt(RANGE) - 1n : to;
    const t0 = performance.now();
    const logs = await getRawLogs(client, { topics: [ALL_TOPICS], fromBlock: a, toBlock: b });
    const t1 = performance.now();
    fetchMs += t1 - t0;
    fetched += logs.length;
    for (const log of logs) {
      if (logKind(log, emitter) === 'factory') {
        decodeFactoryLog('31337', log, Number(log.blockTimestamp ?? 0n));
        decoded++;
      }
    }
    decodeMs += performance.now() - t1;
  }
  const seconds = (fetchMs + decodeMs) / 1000;
  if (decoded !== EVENTS) throw new Error(`decoded ${decoded}`);
  return {
    seconds: round(seconds),
    logsPerSecond: Math.round(fetched / seconds),
    fetchSeconds: round(fetchMs / 1000),
    decodeMicrosPerLog: Math.round((decodeMs * 1000) / decoded),
    requests: Math.ceil(BLOCKS / RANGE),
  };
}

async function monitorRun(engine: 'postgres' | 'pglite', rpcUrl: string, emitter: Address, from: bigint, to: bigint) {
  const db = engine === 'postgres' ? await withPostgres() : await withPglite();
  const close = 'drop' in db ? db.drop : db.close;
  const bus = new InProcessBus();
  let published = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => (done = resolve));
  bus.subscribe('chain', (u) => {
    if (u.status === 'observed' && ++published === EVENTS) done();
  });
  // Times the store's share: every apply() is one transaction with a batch's events and cursor.
  const { store, applyMs } = timedChainStore(new ChainStateRepository(db.database.db));
  const monitor = evmEscrowFollower({
    chainId: 31337,
    rpcUrl,
    factory: emitter,
    startBlock: from,
    confirmations: 1,
    store,
    bus,
    maxBlockRange: RANGE,
    pollIntervalMs: 20,
  });
  try {
    const t0 = performance.now();
    await monitor.start();
    await finished;
    const seconds = (performance.now() - t0) / 1000;
    const status = monitor.status();
    if (status.processed?.height !== Number(to)) throw new Error(`follower stopped at ${status.processed?.height}, head ${to}`);
    return {
      seconds: round(seconds),
      logsPerSecond: Math.round(EVENTS / seconds),
      blocksPerSecond: Math.round(BLOCKS / seconds),
      storeApplySeconds: round(applyMs() / 1000),
    };
  } finally {
    await monitor.stop();
    await bus.stop();
    await close();
  }
}

const round = (x: number) => Math.round(x * 1000) / 1000;

export async function run(): Promise<object> {
  const anvil = await startAnvil({ extraArgs: ['--gas-limit', '100000000'] });
  try {
    const t0 = performance.now();
    const { emitter, from, to } = await buildChain(anvil);
    const setupSeconds = round((performance.now() - t0) / 1000);
    process.stderr.write(`evm-logscan: chain built in ${setupSeconds} s\n`);
    const decodeOnly = await fetchDecode(anvil.rpcUrl, emitter, from, to);
    const postgres = await monitorRun('postgres', anvil.rpcUrl, emitter, from, to);
    const pglite = await monitorRun('pglite', anvil.rpcUrl, emitter, from, to);
    return {
      events: EVENTS,
      blocks: BLOCKS,
      eventsPerTx: EVENTS_PER_TX,
      blockRange: RANGE,
      logSource: 'LogEmitter helper as the factory (real fetch/filter/decode/store path)',
      setupSeconds,
      fetchDecode: decodeOnly,
      monitorPostgres: postgres,
      monitorPglite: pglite,
    };
  } finally {
    await anvil.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await run(), null, 2));
}
