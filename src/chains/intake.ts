/**
 * What order intake needs from the chains (architecture §4): the supported chains, with the rescue
 * delay of the factory actually followed (read from the node), and the maker-funds check. Without
 * an EVM node there is nothing to settle against: no rescue delay is known and funds go unchecked.
 */
import { createPublicClient, http } from 'viem';
import type { SupportedChains } from '../domain/validate-order.js';
import type { MakerFundsCheck } from '../orders/ports.js';
import { makerFundsCheck } from './evm/maker-funds.js';
import { readRescueDelay } from './evm/rescue-delay.js';
import type { ChainSettings } from './settings.js';

export interface IntakeChains {
  supportedChains: SupportedChains;
  makerFunds?: MakerFundsCheck;
}

export async function intakeChains({ evm, cardano }: ChainSettings): Promise<IntakeChains> {
  const reader = evm.rpcUrl ? createPublicClient({ transport: http(evm.rpcUrl, { timeout: 5_000, retryCount: 1 }) }) : undefined;
  const rescueDelay = reader ? await readRescueDelay(reader, evm.factory) : undefined;
  return {
    supportedChains: {
      evm: { [String(evm.chainId)]: { factory: evm.factory, ...(rescueDelay !== undefined ? { rescueDelay } : {}) } },
      cardano: [cardano.chain],
    },
    ...(reader ? { makerFunds: makerFundsCheck(reader, evm.factory) } : {}),
  };
}
