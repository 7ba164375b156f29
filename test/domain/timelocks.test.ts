import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  dstDeadlines,
  packTimelocks,
  srcDeadlines,
  timelockStageAt,
  unpackTimelocks,
  validateTimelocks,
} from '../../src/domain/timelocks.js';
import { TIMELOCK_STAGES, type Timelocks } from '../../src/domain/order.js';
import { DomainError } from '../../src/domain/issues.js';
import { anyUint32TimelocksArb, TIMELOCKS, timelocksArb } from './support.js';

const U32 = 0xffff_ffff;

describe('validateTimelocks', () => {
  it('accepts the Fusion+ example values and every generated valid set', () => {
    expect(validateTimelocks(TIMELOCKS)).toEqual([]);
    fc.assert(
      fc.property(timelocksArb, (t) => {
        expect(validateTimelocks(t)).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it('agrees with the rules written out, on any uint32 values', () => {
    fc.assert(
      fc.property(anyUint32TimelocksArb, (t) => {
        const ok =
          t.srcWithdrawal < t.srcPublicWithdrawal &&
          t.srcPublicWithdrawal < t.srcCancellation &&
          t.srcCancellation < t.srcPublicCancellation &&
          t.dstWithdrawal < t.dstPublicWithdrawal &&
          t.dstPublicWithdrawal < t.dstCancellation &&
          t.dstCancellation < t.srcCancellation;
        expect(validateTimelocks(t).length === 0).toBe(ok);
      }),
      { numRuns: 2_000 },
    );
  });

  it.each([
    ['srcPublicWithdrawal', { srcWithdrawal: 336 }],
    ['srcCancellation', { srcPublicWithdrawal: 492 }],
    ['srcPublicCancellation', { srcPublicCancellation: 492 }],
    ['dstPublicWithdrawal', { dstPublicWithdrawal: 30 }],
    ['dstCancellation', { dstCancellation: 300 }],
  ] as const)('reports a broken order at %s', (field, patch) => {
    const issues = validateTimelocks({ ...TIMELOCKS, ...patch });
    expect(issues.map((i) => `${i.code}@${i.field}`)).toContain(`INVALID_TIMELOCKS@timelocks.${field}`);
  });

  it('requires dstCancellation < srcCancellation, with a reason in the message', () => {
    const issues = validateTimelocks({ ...TIMELOCKS, dstCancellation: 492 });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code: 'INVALID_TIMELOCKS', field: 'timelocks.srcCancellation' });
    expect(issues[0]!.message).toMatch(/dstCancellation must be < srcCancellation/);
  });

  it.each([-1, 1.5, U32 + 1, Number.NaN, Number.POSITIVE_INFINITY])('rejects the non-uint32 value %s', (bad) => {
    for (const stage of TIMELOCK_STAGES) {
      const issues = validateTimelocks({ ...TIMELOCKS, [stage]: bad });
      expect(issues).toEqual([expect.objectContaining({ code: 'INVALID_TIMELOCKS', field: `timelocks.${stage}` })]);
    }
  });

  it('accepts the uint32 extremes when ordered', () => {
    const t: Timelocks = {
      srcWithdrawal: 0,
      srcPublicWithdrawal: 1,
      srcCancellation: U32 - 1,
      srcPublicCancellation: U32,
      dstWithdrawal: 0,
      dstPublicWithdrawal: 1,
      dstCancellation: 2,
    };
    expect(validateTimelocks(t)).toEqual([]);
  });
});

describe('packTimelocks / unpackTimelocks', () => {
  it('places stage k in bits [32k, 32k+32) and deployedAt in bits [224, 256)', () => {
    // Distinct byte patterns per slot make any misplacement visible in the hex.
    const t: Timelocks = {
      srcWithdrawal: 0x00000010,
      srcPublicWithdrawal: 0x00000020,
      srcCancellation: 0x00000030,
      srcPublicCancellation: 0x00000040,
      dstWithdrawal: 0x00000050,
      dstPublicWithdrawal: 0x00000060,
      dstCancellation: 0x00000070,
    };
    const hex = packTimelocks(t, 0x6553f100).toString(16).padStart(64, '0');
    expect(hex).toBe('6553f100' + '00000070' + '00000060' + '00000050' + '00000040' + '00000030' + '00000020' + '00000010');
  });

  it('packs each slot independently', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 6 }), fc.nat({ max: U32 }), (k, v) => {
        const zero = Object.fromEntries(TIMELOCK_STAGES.map((s) => [s, 0])) as unknown as Timelocks;
        const t = { ...zero, [TIMELOCK_STAGES[k]!]: v };
        expect(packTimelocks(t, 0)).toBe(BigInt(v) << BigInt(32 * k));
      }),
    );
  });

  it('round-trips any uint32 values', () => {
    fc.assert(
      fc.property(anyUint32TimelocksArb, fc.nat({ max: U32 }), (t, deployedAt) => {
        const packed = packTimelocks(t, deployedAt);
        expect(packed >= 0n && packed < 1n << 256n).toBe(true);
        expect(unpackTimelocks(packed)).toEqual({ timelocks: t, deployedAt });
      }),
      { numRuns: 1_000 },
    );
  });

  it('unpacks any uint256 and packs it back to the same value', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }), (packed) => {
        const { timelocks, deployedAt } = unpackTimelocks(packed);
        expect(packTimelocks(timelocks, deployedAt)).toBe(packed);
      }),
      { numRuns: 1_000 },
    );
  });

  it('throws a DomainError for values that do not fit', () => {
    expect(() => packTimelocks(TIMELOCKS, -1)).toThrow(DomainError);
    expect(() => packTimelocks(TIMELOCKS, U32 + 1)).toThrow(/deployedAt/);
    expect(() => packTimelocks({ ...TIMELOCKS, dstCancellation: 1.5 }, 0)).toThrow(/dstCancellation/);
    expect(() => unpackTimelocks(-1n)).toThrow(DomainError);
    expect(() => unpackTimelocks(1n << 256n)).toThrow(DomainError);
    try {
      unpackTimelocks(-1n);
    } catch (e) {
      expect((e as DomainError).code).toBe('INVALID_TIMELOCKS');
    }
  });
});

describe('deadlines', () => {
  const deployedAt = 1_767_225_600;

  it('src deadlines add each source offset to deployedAt', () => {
    expect(srcDeadlines(TIMELOCKS, deployedAt)).toEqual({
      withdrawal: deployedAt + 36,
      publicWithdrawal: deployedAt + 336,
      cancellation: deployedAt + 492,
      publicCancellation: deployedAt + 612,
    });
  });

  it('dst deadlines have no public cancellation and count from the source deployedAt', () => {
    const d = dstDeadlines(TIMELOCKS, deployedAt);
    expect(d).toEqual({ withdrawal: deployedAt + 30, publicWithdrawal: deployedAt + 300, cancellation: deployedAt + 420 });
    expect('publicCancellation' in d).toBe(false);
  });

  it('keep their order for every valid set (the destination is cancellable before the source)', () => {
    fc.assert(
      fc.property(timelocksArb, fc.nat({ max: U32 }), (t, at) => {
        const s = srcDeadlines(t, at);
        const d = dstDeadlines(t, at);
        expect(s.withdrawal < s.publicWithdrawal && s.publicWithdrawal < s.cancellation).toBe(true);
        expect(s.cancellation < s.publicCancellation!).toBe(true);
        expect(d.withdrawal < d.publicWithdrawal && d.publicWithdrawal < d.cancellation).toBe(true);
        expect(d.cancellation < s.cancellation).toBe(true);
      }),
    );
  });
});

describe('timelockStageAt', () => {
  const at = 1_000;

  it('walks the source windows, each open from its start inclusive', () => {
    const cases: [number, string][] = [
      [at - 10, 'finalityLock'],
      [at, 'finalityLock'],
      [at + 35, 'finalityLock'],
      [at + 36, 'withdrawal'],
      [at + 335, 'withdrawal'],
      [at + 336, 'publicWithdrawal'],
      [at + 491, 'publicWithdrawal'],
      [at + 492, 'cancellation'],
      [at + 611, 'cancellation'],
      [at + 612, 'publicCancellation'],
      [at + 1e9, 'publicCancellation'],
    ];
    for (const [now, stage] of cases) expect([now, timelockStageAt(TIMELOCKS, at, now, 'src')]).toEqual([now, stage]);
  });

  it('walks the destination windows; cancellation is the last one', () => {
    const cases: [number, string][] = [
      [at + 29, 'finalityLock'],
      [at + 30, 'withdrawal'],
      [at + 299, 'withdrawal'],
      [at + 300, 'publicWithdrawal'],
      [at + 419, 'publicWithdrawal'],
      [at + 420, 'cancellation'],
      [at + 1e9, 'cancellation'],
    ];
    for (const [now, stage] of cases) expect([now, timelockStageAt(TIMELOCKS, at, now, 'dst')]).toEqual([now, stage]);
  });

  it('never goes back as time advances', () => {
    const rank = ['finalityLock', 'withdrawal', 'publicWithdrawal', 'cancellation', 'publicCancellation'];
    fc.assert(
      fc.property(
        timelocksArb,
        fc.nat({ max: 2_000_000 }),
        fc.nat({ max: 2_000_000 }),
        fc.constantFrom('src' as const, 'dst' as const),
        (t, a, b, side) => {
          const [early, late] = a <= b ? [a, b] : [b, a];
          const r1 = rank.indexOf(timelockStageAt(t, 0, early, side));
          const r2 = rank.indexOf(timelockStageAt(t, 0, late, side));
          expect(r1 <= r2).toBe(true);
        },
      ),
      { numRuns: 1_000 },
    );
  });
});
