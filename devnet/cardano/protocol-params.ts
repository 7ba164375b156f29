/**
 * The emulator's protocol parameters (Blaze's `ProtocolParameters`) in Ogmios's
 * `ProtocolParameters` shape, so a tx builder reading them through Ogmios computes the same
 * fees and minimum UTxO values as the emulator enforces.
 */
import type { Core } from '@blaze-cardano/sdk';

type Fraction = { numerator: number; denominator: number };

/** An exact decimal (e.g. Blaze's `577 / 1e4`) as an Ogmios ratio string `"577/10000"`. */
export function ratio(x: number | string | Fraction): string {
  if (typeof x === 'object') return `${x.numerator}/${x.denominator}`;
  const text = typeof x === 'number' ? x.toString() : x;
  if (/e/i.test(text)) {
    // Tiny floats print in exponent form (7.21e-5): expand through toFixed, which is exact for these.
    return ratio(Number(text).toFixed(20).replace(/0+$/, ''));
  }
  const [int, frac = ''] = text.split('.');
  const denominator = 10n ** BigInt(frac.length);
  const numerator = BigInt(`${int}${frac}`);
  const g = gcd(numerator < 0n ? -numerator : numerator, denominator);
  return `${numerator / g}/${denominator / g}`;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b) [a, b] = [b, a % b];
  return a || 1n;
}

const ada = (n: number | bigint) => ({ ada: { lovelace: BigInt(n) } });

type Thresholds = Record<string, Fraction | undefined>;
const r = (f: Fraction | undefined) => ratio(f ?? { numerator: 0, denominator: 1 });

function poolThresholds(t: Thresholds) {
  return {
    noConfidence: r(t.motionNoConfidence),
    constitutionalCommittee: { default: r(t.committeeNormal), stateOfNoConfidence: r(t.committeeNoConfidence) },
    hardForkInitiation: r(t.hardForkInitiation),
    protocolParametersUpdate: { security: r(t.securityRelevantParamVotingThreshold) },
  };
}

function drepThresholds(t: Thresholds) {
  return {
    noConfidence: r(t.motionNoConfidence),
    constitutionalCommittee: { default: r(t.committeeNormal), stateOfNoConfidence: r(t.committeeNoConfidence) },
    constitution: r(t.updateConstitution),
    hardForkInitiation: r(t.hardForkInitiation),
    protocolParametersUpdate: {
      network: r(t.ppNetworkGroup),
      economic: r(t.ppEconomicGroup),
      technical: r(t.ppTechnicalGroup),
      governance: r(t.ppGovernanceGroup),
    },
    treasuryWithdrawals: r(t.treasuryWithdrawal),
  };
}

export function protocolParametersJson(p: Core.ProtocolParameters): Record<string, unknown> {
  const costModels: Record<string, number[]> = {};
  for (const [lang, model] of p.costModels) {
    const name = ['plutus:v1', 'plutus:v2', 'plutus:v3'][lang];
    if (name) costModels[name] = [...model];
  }
  const sp = p.stakePoolVotingThresholds as unknown as Thresholds | undefined;
  const dr = p.delegateRepresentativeVotingThresholds as unknown as Thresholds | undefined;
  return {
    minFeeCoefficient: p.minFeeCoefficient,
    minFeeConstant: ada(p.minFeeConstant),
    ...(p.minFeeReferenceScripts
      ? {
          minFeeReferenceScripts: {
            range: p.minFeeReferenceScripts.range,
            base: p.minFeeReferenceScripts.base,
            multiplier: p.minFeeReferenceScripts.multiplier,
          },
        }
      : {}),
    minUtxoDepositCoefficient: p.coinsPerUtxoByte,
    minUtxoDepositConstant: ada(0),
    maxBlockBodySize: { bytes: p.maxBlockBodySize },
    maxBlockHeaderSize: { bytes: p.maxBlockHeaderSize },
    maxTransactionSize: { bytes: p.maxTxSize },
    maxValueSize: { bytes: p.maxValueSize },
    stakeCredentialDeposit: ada(p.stakeKeyDeposit),
    stakePoolDeposit: ada(p.poolDeposit ?? 0),
    stakePoolRetirementEpochBound: p.poolRetirementEpochBound,
    stakePoolPledgeInfluence: ratio(p.poolInfluence),
    minStakePoolCost: ada(p.minPoolCost ?? 0),
    desiredNumberOfStakePools: p.desiredNumberOfPools,
    monetaryExpansion: ratio(p.monetaryExpansion),
    treasuryExpansion: ratio(p.treasuryExpansion),
    collateralPercentage: p.collateralPercentage,
    maxCollateralInputs: p.maxCollateralInputs,
    plutusCostModels: costModels,
    scriptExecutionPrices: { memory: ratio(p.prices.memory), cpu: ratio(p.prices.steps) },
    maxExecutionUnitsPerTransaction: {
      memory: p.maxExecutionUnitsPerTransaction.memory,
      cpu: p.maxExecutionUnitsPerTransaction.steps,
    },
    maxExecutionUnitsPerBlock: { memory: p.maxExecutionUnitsPerBlock.memory, cpu: p.maxExecutionUnitsPerBlock.steps },
    ...(p.maxReferenceScriptsSize !== undefined ? { maxReferenceScriptsSize: { bytes: p.maxReferenceScriptsSize } } : {}),
    ...(sp ? { stakePoolVotingThresholds: poolThresholds(sp) } : {}),
    ...(p.constitutionalCommitteeMinSize !== undefined
      ? { constitutionalCommitteeMinSize: p.constitutionalCommitteeMinSize }
      : {}),
    ...(p.constitutionalCommitteeMaxTermLength !== undefined
      ? { constitutionalCommitteeMaxTermLength: p.constitutionalCommitteeMaxTermLength }
      : {}),
    ...(p.governanceActionLifetime !== undefined ? { governanceActionLifetime: p.governanceActionLifetime } : {}),
    ...(p.governanceActionDeposit !== undefined ? { governanceActionDeposit: ada(p.governanceActionDeposit) } : {}),
    ...(dr ? { delegateRepresentativeVotingThresholds: drepThresholds(dr) } : {}),
    ...(p.delegateRepresentativeDeposit !== undefined
      ? { delegateRepresentativeDeposit: ada(p.delegateRepresentativeDeposit) }
      : {}),
    ...(p.delegateRepresentativeMaxIdleTime !== undefined
      ? { delegateRepresentativeMaxIdleTime: p.delegateRepresentativeMaxIdleTime }
      : {}),
    version: { major: p.protocolVersion.major, minor: p.protocolVersion.minor },
  };
}
