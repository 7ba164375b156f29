/**
 * The committed contract artifacts are exactly what the sources compile to, and the events keep
 * the signatures the EVM monitor decodes (fixed by the protocol).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAbi, toEventSelector, toFunctionSelector, type AbiEvent } from 'viem';
import { CONTRACTS_DIR, compileContracts, renderArtifacts } from '../../contracts/evm/build.js';
import { escrowDstAbi, escrowFactoryAbi, escrowSrcAbi } from '../../contracts/evm/artifacts.js';

const IMMUTABLES =
  '(bytes32 orderHash, bytes32 hashlock, address maker, address taker, address token, uint256 amount, uint256 safetyDeposit, uint256 timelocks)';
const DST_COMPLEMENT = '(string chain, string receiver, string asset, uint256 amount, uint256 safetyDeposit)';
const DST_IMMUTABLES =
  '(bytes32 orderHash, bytes32 hashlock, address receiver, address taker, address token, uint256 amount, uint256 safetyDeposit, uint256 withdrawalAt, uint256 publicWithdrawalAt, uint256 cancellationAt)';

const FIXED_FACTORY_EVENTS = parseAbi([
  `event SrcEscrowCreated(bytes32 indexed orderHash, address indexed escrow, address indexed taker, ${IMMUTABLES} immutables, ${DST_COMPLEMENT} dst)`,
  `event DstEscrowCreated(bytes32 indexed orderHash, address indexed escrow, address indexed taker, ${DST_IMMUTABLES} immutables)`,
  'event NonceInvalidated(address indexed maker, uint256 nonce)',
]);
const FIXED_ESCROW_EVENTS = parseAbi([
  'event EscrowWithdrawal(bytes32 secret, address indexed to, bool isPublic)',
  'event EscrowCancelled(address indexed to, bool isPublic)',
  'event FundsRescued(address token, uint256 amount)',
]);

function eventsOf(abi: readonly { type: string }[]): AbiEvent[] {
  return abi.filter((x): x is AbiEvent => x.type === 'event');
}

/** Selector plus which parameters are indexed: what a log decoder depends on. */
function shape(e: AbiEvent): string {
  return `${toEventSelector(e)}:${e.inputs.map((i) => (i.indexed ? 'i' : '-')).join('')}`;
}

describe('contract build', () => {
  it('rebuilding gives byte-identical artifacts, and no stale ones are committed', () => {
    const files = renderArtifacts(compileContracts());
    for (const [rel, content] of files) {
      expect(readFileSync(path.join(CONTRACTS_DIR, rel), 'utf8'), rel).toBe(content);
    }
    const committed = readdirSync(path.join(CONTRACTS_DIR, 'artifacts')).map((f) => `artifacts/${f}`);
    expect(committed.sort()).toEqual([...files.keys()].filter((f) => f.startsWith('artifacts/')).sort());
  });

  it('emits exactly the fixed event signatures (selector and indexed fields)', () => {
    const factory = new Set(eventsOf(escrowFactoryAbi).map(shape));
    for (const e of FIXED_FACTORY_EVENTS) expect(factory.has(shape(e)), e.name).toBe(true);
    for (const abi of [escrowSrcAbi, escrowDstAbi]) {
      const escrow = new Set(eventsOf(abi).map(shape));
      for (const e of FIXED_ESCROW_EVENTS) expect(escrow.has(shape(e)), e.name).toBe(true);
    }
  });

  it('keeps the entry points resolvers and the relayer call', () => {
    const selectors = (abi: readonly { type: string }[]) =>
      new Set(abi.filter((x) => x.type === 'function').map((f) => toFunctionSelector(f as never)));
    const factory = selectors(escrowFactoryAbi);
    const ORDER =
      '(uint256,address,address,uint256,string,string,string,uint256,uint256,bytes32,uint256,uint256,(uint256,uint256,uint256,uint256,(uint256,uint256)[]),(uint32,uint32,uint32,uint32,uint32,uint32,uint32))';
    for (const sig of [
      `createSrcEscrow(${ORDER},bytes,uint256)`,
      `hashOrder(${ORDER})`,
      'createDstEscrow((bytes32,bytes32,address,address,address,uint256,uint256,uint256,uint256,uint256))',
      'invalidateNonce(uint256)',
      'depositNative()',
      'withdrawNative(uint256)',
      'nativeBalance(address)',
    ]) {
      expect(factory.has(toFunctionSelector(sig)), sig).toBe(true);
    }
    const src = selectors(escrowSrcAbi);
    const IMM = '(bytes32,bytes32,address,address,address,uint256,uint256,uint256)';
    for (const sig of [`withdraw(bytes32,${IMM})`, `publicWithdraw(bytes32,${IMM})`, `cancel(${IMM})`, `publicCancel(${IMM})`, `rescueFunds(address,uint256,${IMM})`]) {
      expect(src.has(toFunctionSelector(sig)), sig).toBe(true);
    }
  });
});
