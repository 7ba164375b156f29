/**
 * Network presets (`NETWORK=…`): one word that fixes which chains a relayer or a deployment
 * talks to, so an operator cannot pair Sepolia with Cardano mainnet by a typo. A preset fills the
 * chain id, the Cardano network and default confirmation depths; the start-up check
 * (src/chains/network-identity.ts) then refuses endpoints that report another chain.
 * Pure data and lookups, no I/O.
 */
import type { CardanoNetwork } from './config.js';

export const NETWORK_PRESETS = ['devnet', 'sepolia-preprod', 'mainnet'] as const;
export type NetworkPresetName = (typeof NETWORK_PRESETS)[number];

export interface NetworkPreset {
  name: NetworkPresetName;
  evm: { chainId: number; confirmations: number };
  cardano: { network: CardanoNetwork; confirmations: number };
}

export const PRESETS: Record<NetworkPresetName, NetworkPreset> = {
  devnet: { name: 'devnet', evm: { chainId: 31337, confirmations: 2 }, cardano: { network: 'devnet', confirmations: 3 } },
  // Testnets: reorgs are rare but real; a few minutes of depth on each side.
  'sepolia-preprod': {
    name: 'sepolia-preprod',
    evm: { chainId: 11155111, confirmations: 12 },
    cardano: { network: 'preprod', confirmations: 15 },
  },
  // Mainnet: about one Ethereum epoch (32 slots) and ~10 minutes of Cardano blocks.
  mainnet: { name: 'mainnet', evm: { chainId: 1, confirmations: 32 }, cardano: { network: 'mainnet', confirmations: 30 } },
};

/**
 * What Ogmios's `queryNetwork/startTime` reports on each public Cardano network (the Shelley/Byron
 * genesis system start). A devnet starts when it is launched, so it never matches one of these.
 */
export const CARDANO_SYSTEM_START: Partial<Record<CardanoNetwork, string>> = {
  mainnet: '2017-09-23T21:44:51Z',
  preprod: '2022-06-01T00:00:00Z',
  preview: '2022-10-25T00:00:00Z',
};

/** Well-known EVM chain ids, for error messages only. */
export const EVM_CHAIN_NAMES: Record<number, string> = { 1: 'Ethereum mainnet', 11155111: 'Sepolia', 17000: 'Holesky', 31337: 'a local anvil/hardhat devnet' };

/** The public Cardano network whose system start is `iso`, or null (a devnet or unknown network). */
export function cardanoNetworkByStart(iso: string): CardanoNetwork | null {
  const t = Date.parse(iso);
  for (const [network, start] of Object.entries(CARDANO_SYSTEM_START)) {
    if (Date.parse(start) === t) return network as CardanoNetwork;
  }
  return null;
}
