/**
 * The chains this relayer instance follows, resolved once at start: the configured endpoints, or
 * the local devnets the caller started (the embedded default). Every part gets these settings
 * (never a config patched with them), so the typed data served to makers names the factory
 * actually followed and the monitors follow the same one.
 */
import { escrowScript } from '../../contracts/cardano/index.js';
import type { Config } from '../config.js';
import type { Hex } from '../domain/order.js';

/** Local devnets already started by the caller (`devnet/embedded.ts`, or a test's own). */
export interface LocalDevnets {
  evm?: { rpcUrl: string; wsUrl: string; chainId: number; factory: Hex; stop(): Promise<void> };
  cardano?: { url: string; chain: string; networkId: 0 | 1; stop(): Promise<void> };
}

export interface EvmChainSettings {
  chainId: number;
  /** The escrow factory: the EIP-712 verifying contract and the monitor's contract. */
  factory: Hex;
  /** Null: no EVM node, so nothing to follow or check funds against. */
  rpcUrl: string | null;
  wsUrl: string | null;
  startBlock: bigint;
  confirmations: number;
}

export interface CardanoChainSettings {
  /** e.g. `cardano:preprod` (architecture §3). */
  chain: string;
  /** Null: no Ogmios, so nothing to follow. */
  ogmiosUrl: string | null;
  networkId: 0 | 1;
  escrowScriptHash: string;
  confirmations: number;
}

export interface ChainSettings {
  evm: EvmChainSettings;
  cardano: CardanoChainSettings;
}

export function resolveChains(config: Pick<Config, 'evm' | 'cardano'>, devnets?: LocalDevnets): ChainSettings {
  const { evm, cardano } = config;
  const localEvm = devnets?.evm;
  const localCardano = devnets?.cardano;
  return {
    evm: {
      chainId: localEvm?.chainId ?? evm.chainId,
      factory: localEvm?.factory ?? evm.factory,
      rpcUrl: localEvm?.rpcUrl ?? evm.rpcUrl,
      wsUrl: localEvm?.wsUrl ?? evm.wsUrl,
      startBlock: evm.startBlock,
      confirmations: evm.confirmations,
    },
    cardano: {
      chain: localCardano?.chain ?? cardano.chain,
      ogmiosUrl: localCardano?.url ?? cardano.ogmiosUrl,
      networkId: localCardano?.networkId ?? (cardano.network === 'mainnet' ? 1 : 0),
      // The escrow validator is ours: unless told otherwise, follow the committed script.
      escrowScriptHash: cardano.escrowScriptHash ?? escrowScript.hash,
      confirmations: cardano.confirmations,
    },
  };
}
