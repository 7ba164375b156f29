import { describe, expect, it } from 'vitest';
import { encodeAbiParameters, encodeEventTopics, getAddress, keccak256, toHex, zeroAddress, type Hex } from 'viem';
import { escrowEventsAbi, factoryEventsAbi, TOPIC } from '../../src/chains/evm/abi.js';
import { decodeEscrowLog, decodeFactoryLog, logKind, type RawLog } from '../../src/chains/evm/decode.js';
import { packTimelocks } from '../../src/domain/timelocks.js';

const FACTORY = getAddress('0x5FbDB2315678afecb367f032d93F642f64180aa3');
const ESCROW = getAddress('0x1111111111111111111111111111111111111111');
const TAKER = getAddress('0x70997970C51812dc3A010C7d01b50e0d17dc79C8');
const MAKER = getAddress('0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266');
const TOKEN = getAddress('0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512');
const ORDER_HASH = keccak256(toHex('order'));
const HASHLOCK = keccak256(toHex('secret'));
const TIMELOCKS = {
  srcWithdrawal: 10,
  srcPublicWithdrawal: 120,
  srcCancellation: 1_000,
  srcPublicCancellation: 1_100,
  dstWithdrawal: 10,
  dstPublicWithdrawal: 100,
  dstCancellation: 900,
};

function rawLog(address: string, topics: Hex[], data: Hex, extra: Partial<RawLog> = {}): RawLog {
  return {
    address,
    topics,
    data,
    blockNumber: 42n,
    blockHash: keccak256(toHex('block 42')),
    transactionHash: keccak256(toHex('tx')),
    logIndex: 3,
    ...extra,
  };
}

function srcCreatedLog(emitter: string = FACTORY): RawLog {
  const ev = factoryEventsAbi.find((e) => e.name === 'SrcEscrowCreated')!;
  const topics = encodeEventTopics({ abi: [ev], eventName: 'SrcEscrowCreated', args: { orderHash: ORDER_HASH, escrow: ESCROW, taker: TAKER } });
  const data = encodeAbiParameters(ev.inputs.filter((i) => !('indexed' in i && i.indexed)), [
    {
      orderHash: ORDER_HASH,
      hashlock: HASHLOCK,
      maker: MAKER,
      taker: TAKER,
      token: TOKEN,
      amount: 10n ** 24n + 7n,
      safetyDeposit: 5n,
      timelocks: packTimelocks(TIMELOCKS, 1_700_000_000),
    },
    { chain: 'cardano:devnet', receiver: 'addr_test1qpxyz', asset: 'lovelace', amount: 123_456_789n, safetyDeposit: 2_000_000n },
  ]);
  return rawLog(emitter, topics as Hex[], data);
}

describe('decodeFactoryLog', () => {
  it('maps SrcEscrowCreated to a source escrow with deadlines from the packed timelocks', () => {
    const { event, created } = decodeFactoryLog('31337', srcCreatedLog(), 1_700_000_005);
    expect(created).toEqual({ escrow: ESCROW, orderHash: ORDER_HASH, side: 'src' });
    expect(event).toMatchObject({
      id: `31337:${keccak256(toHex('tx'))}:3`,
      type: 'escrow_created',
      side: 'src',
      chain: '31337',
      escrow: ESCROW,
      orderHash: ORDER_HASH,
      hashlock: HASHLOCK,
      maker: MAKER,
      taker: TAKER,
      token: TOKEN,
      amount: 10n ** 24n + 7n,
      safetyDeposit: 5n,
      blockNumber: 42n,
      blockTime: 1_700_000_005,
      deployedAt: 1_700_000_000,
      deadlines: { withdrawal: 1_700_000_010, publicWithdrawal: 1_700_000_120, cancellation: 1_700_001_000, publicCancellation: 1_700_001_100 },
      dst: { chain: 'cardano:devnet', receiver: 'addr_test1qpxyz', asset: 'lovelace', amount: 123_456_789n, safetyDeposit: 2_000_000n },
    });
  });

  it('maps DstEscrowCreated with absolute deadlines and the block time as deployedAt', () => {
    const ev = factoryEventsAbi.find((e) => e.name === 'DstEscrowCreated')!;
    const topics = encodeEventTopics({ abi: [ev], eventName: 'DstEscrowCreated', args: { orderHash: ORDER_HASH, escrow: ESCROW, taker: TAKER } });
    const data = encodeAbiParameters(ev.inputs.filter((i) => !('indexed' in i && i.indexed)), [
      {
        orderHash: ORDER_HASH,
        hashlock: HASHLOCK,
        receiver: MAKER,
        taker: TAKER,
        token: zeroAddress,
        amount: 99n,
        safetyDeposit: 1n,
        withdrawalAt: 1_700_000_010n,
        publicWithdrawalAt: 1_700_000_100n,
        cancellationAt: 2n ** 255n, // a resolver may put anything here: clamped, never a crash
      },
    ]);
    const { event, created } = decodeFactoryLog('31337', rawLog(FACTORY, topics as Hex[], data), 1_700_000_001);
    expect(created).toEqual({ escrow: ESCROW, orderHash: ORDER_HASH, side: 'dst' });
    expect(event).toMatchObject({
      type: 'escrow_created',
      side: 'dst',
      maker: MAKER,
      token: zeroAddress,
      amount: 99n,
      deployedAt: 1_700_000_001,
      deadlines: { withdrawal: 1_700_000_010, publicWithdrawal: 1_700_000_100, cancellation: Number.MAX_SAFE_INTEGER },
    });
    expect(event.type === 'escrow_created' && event.deadlines.publicCancellation).toBeUndefined();
  });

  it('maps NonceInvalidated to order_invalidated', () => {
    const topics = encodeEventTopics({ abi: factoryEventsAbi, eventName: 'NonceInvalidated', args: { maker: MAKER } });
    const data = encodeAbiParameters([{ type: 'uint256' }], [77n]);
    const { event, created } = decodeFactoryLog('31337', rawLog(FACTORY, topics as Hex[], data), 1);
    expect(created).toBeUndefined();
    expect(event).toMatchObject({ type: 'order_invalidated', maker: MAKER, nonce: 77n });
  });
});

describe('decodeEscrowLog', () => {
  const ref = { escrow: ESCROW, orderHash: ORDER_HASH, side: 'dst' as const };
  it('takes order hash and side from the escrow the log came from', () => {
    const secret = keccak256(toHex('s'));
    const topics = encodeEventTopics({ abi: escrowEventsAbi, eventName: 'EscrowWithdrawal', args: { to: MAKER } });
    const data = encodeAbiParameters([{ type: 'bytes32' }, { type: 'bool' }], [secret, true]);
    expect(decodeEscrowLog('1', rawLog(ESCROW.toLowerCase(), topics as Hex[], data), 9, ref)).toMatchObject({
      type: 'escrow_withdrawn',
      side: 'dst',
      escrow: ESCROW,
      orderHash: ORDER_HASH,
      secret,
      public: true,
      to: MAKER,
      id: `1:${keccak256(toHex('tx'))}:3`,
    });
  });
  it('decodes cancellations and rescues', () => {
    const cTopics = encodeEventTopics({ abi: escrowEventsAbi, eventName: 'EscrowCancelled', args: { to: TAKER } });
    const cData = encodeAbiParameters([{ type: 'bool' }], [false]);
    expect(decodeEscrowLog('1', rawLog(ESCROW, cTopics as Hex[], cData), 9, ref)).toMatchObject({ type: 'escrow_cancelled', public: false, to: TAKER });
    const rTopics = encodeEventTopics({ abi: escrowEventsAbi, eventName: 'FundsRescued' });
    const rData = encodeAbiParameters([{ type: 'address' }, { type: 'uint256' }], [TOKEN, 5n]);
    expect(decodeEscrowLog('1', rawLog(ESCROW, rTopics as Hex[], rData), 9, ref)).toMatchObject({
      type: 'funds_rescued',
      token: TOKEN,
      amount: 5n,
      orderHash: ORDER_HASH,
    });
  });
});

describe('logKind', () => {
  it('accepts factory events only from the factory', () => {
    expect(logKind(srcCreatedLog(FACTORY.toLowerCase()), FACTORY)).toBe('factory');
    expect(logKind(srcCreatedLog(TOKEN), FACTORY)).toBe('other');
  });
  it('sends escrow-event signatures to the registry check, and ignores the rest', () => {
    expect(logKind(rawLog(TOKEN, [TOPIC.EscrowWithdrawal], '0x'), FACTORY)).toBe('escrow');
    expect(logKind(rawLog(FACTORY, [keccak256(toHex('Transfer'))], '0x'), FACTORY)).toBe('other');
    expect(logKind(rawLog(FACTORY, [], '0x'), FACTORY)).toBe('other');
  });
  it('refuses to make an event of a pending log', () => {
    expect(() => decodeFactoryLog('1', { ...srcCreatedLog(), blockNumber: null }, 1)).toThrow(/pending/);
  });
});

describe('malformed look-alikes', () => {
  it('refuses a log whose indexed topics do not fit the event (the monitor then skips it)', () => {
    const good = srcCreatedLog();
    expect(() => decodeFactoryLog('1', { ...good, topics: good.topics.slice(0, 3) }, 1)).toThrow(/indexed topics/);
    const badAddress = [...good.topics];
    badAddress[2] = keccak256(toHex('not an address'));
    expect(() => decodeFactoryLog('1', { ...good, topics: badAddress }, 1)).toThrow(/padded address/);
    expect(() => decodeFactoryLog('1', { ...good, data: '0x1234' }, 1)).toThrow();
  });
});
