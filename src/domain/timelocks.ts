/**
 * Timelocks of architecture §6: seven offsets in seconds after the source escrow's creation
 * (`deployedAt`), their packed uint256 form used by the EVM contracts, and the absolute
 * deadlines and open window at a given time.
 */
import { TIMELOCK_STAGES, type Timelocks } from './order.js';
import { DomainError, issue, isUint32, UINT256_LIMIT, type DomainIssue } from './issues.js';

/** Which escrow of a swap: the source (maker's funds) or the destination (the receiver's). */
export type EscrowSide = 'src' | 'dst';

/** Absolute deadlines (unix seconds) of one escrow's stages; architecture §6. */
export interface EscrowDeadlines {
  withdrawal: number;
  publicWithdrawal: number;
  cancellation: number;
  /** Source escrows only: there is no public cancellation on the destination chain. */
  publicCancellation?: number;
}

/**
 * Every violated rule is reported: each offset a uint32; srcW < srcPubW < srcCancel < srcPubCancel;
 * dstW < dstPubW < dstCancel; dstCancel < srcCancel (so after the secret is public on the
 * destination chain, the resolver still has time to withdraw on the source chain).
 */
export function validateTimelocks(t: Timelocks, field = 'timelocks'): DomainIssue[] {
  const out: DomainIssue[] = [];
  for (const stage of TIMELOCK_STAGES) {
    if (!isUint32(t[stage])) {
      out.push(issue('INVALID_TIMELOCKS', `${field}.${stage}`, `${stage} must be an integer in 0..2^32-1 (seconds)`));
    }
  }
  if (out.length > 0) return out;
  const mustPrecede = (a: keyof Timelocks, b: keyof Timelocks, why: string) => {
    if (!(t[a] < t[b])) out.push(issue('INVALID_TIMELOCKS', `${field}.${b}`, `${a} must be < ${b}: ${why}`));
  };
  mustPrecede('srcWithdrawal', 'srcPublicWithdrawal', 'source stages run in order');
  mustPrecede('srcPublicWithdrawal', 'srcCancellation', 'source stages run in order');
  mustPrecede('srcCancellation', 'srcPublicCancellation', 'source stages run in order');
  mustPrecede('dstWithdrawal', 'dstPublicWithdrawal', 'destination stages run in order');
  mustPrecede('dstPublicWithdrawal', 'dstCancellation', 'destination stages run in order');
  mustPrecede(
    'dstCancellation',
    'srcCancellation',
    'the resolver must still be able to withdraw on the source chain once the secret is public on the destination',
  );
  return out;
}

const MASK32 = 0xffff_ffffn;
const DEPLOYED_AT_SHIFT = 224n;

/**
 * Packs as the EVM contracts do: stage k's offset (TIMELOCK_STAGES order) in bits [32k, 32k+32),
 * `deployedAt` in bits [224, 256). Throws DomainError INVALID_TIMELOCKS if a value is not a uint32
 * (the order's timelocks were validated at intake, so that is a programming error).
 */
export function packTimelocks(t: Timelocks, deployedAt: number): bigint {
  if (!isUint32(deployedAt)) throw new DomainError('INVALID_TIMELOCKS', 'deployedAt must be a uint32 unix time');
  let packed = BigInt(deployedAt) << DEPLOYED_AT_SHIFT;
  TIMELOCK_STAGES.forEach((stage, k) => {
    const v = t[stage];
    if (!isUint32(v)) throw new DomainError('INVALID_TIMELOCKS', `${stage} must be a uint32`);
    packed |= BigInt(v) << BigInt(32 * k);
  });
  return packed;
}

/** Inverse of packTimelocks. Throws DomainError INVALID_TIMELOCKS if `packed` is not a uint256. */
export function unpackTimelocks(packed: bigint): { timelocks: Timelocks; deployedAt: number } {
  if (typeof packed !== 'bigint' || packed < 0n || packed >= UINT256_LIMIT) {
    throw new DomainError('INVALID_TIMELOCKS', 'packed timelocks must be a uint256');
  }
  const slot = (k: number) => Number((packed >> BigInt(32 * k)) & MASK32);
  const timelocks = Object.fromEntries(TIMELOCK_STAGES.map((stage, k) => [stage, slot(k)])) as unknown as Timelocks;
  return { timelocks, deployedAt: slot(7) };
}

/** Absolute unix-second starts of the source escrow's stages. */
export function srcDeadlines(t: Timelocks, deployedAt: number): EscrowDeadlines {
  return {
    withdrawal: deployedAt + t.srcWithdrawal,
    publicWithdrawal: deployedAt + t.srcPublicWithdrawal,
    cancellation: deployedAt + t.srcCancellation,
    publicCancellation: deployedAt + t.srcPublicCancellation,
  };
}

/**
 * Absolute unix-second starts of the destination escrow's stages. `deployedAt` is the SOURCE
 * escrow's creation time (architecture §6: all offsets count from it), not the destination's.
 */
export function dstDeadlines(t: Timelocks, deployedAt: number): EscrowDeadlines {
  return {
    withdrawal: deployedAt + t.dstWithdrawal,
    publicWithdrawal: deployedAt + t.dstPublicWithdrawal,
    cancellation: deployedAt + t.dstCancellation,
  };
}

/**
 * The window open at `now`. Before `withdrawal` nobody may act (`finalityLock`: the escrow may
 * still be reorged out). A stage is open from its start inclusive, as on chain (`now >= start`).
 * The destination has no public cancellation: its `cancellation` window never ends.
 */
export type TimelockStage = 'finalityLock' | 'withdrawal' | 'publicWithdrawal' | 'cancellation' | 'publicCancellation';

export function timelockStageAt(t: Timelocks, deployedAt: number, now: number, side: EscrowSide): TimelockStage {
  const d = side === 'src' ? srcDeadlines(t, deployedAt) : dstDeadlines(t, deployedAt);
  if (d.publicCancellation !== undefined && now >= d.publicCancellation) return 'publicCancellation';
  if (now >= d.cancellation) return 'cancellation';
  if (now >= d.publicWithdrawal) return 'publicWithdrawal';
  if (now >= d.withdrawal) return 'withdrawal';
  return 'finalityLock';
}
