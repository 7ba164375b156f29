/**
 * Builds the reference resolver from plain settings: its EVM key and the factory, its Cardano
 * payment key and an Ogmios endpoint, the relayer's URLs and its API key. Used by the resolver
 * process (resolver/main.ts), the demo and the end-to-end tests.
 */
import { Core } from '@blaze-cardano/sdk';
import type { Logger } from 'pino';
import type { Address, Hex } from 'viem';
import type { WireOrder } from '../client/http.js';
import { OgmiosProvider } from '../src/chains/cardano/ogmios-provider.js';
import { Ed25519KeySigner, slotToMs } from '../src/chains/cardano/tx/index.js';
import { ResolverBot } from './bot.js';
import { CardanoDestinationChain } from './cardano.js';
import { EvmSourceChain } from './evm.js';

export interface ResolverSettings {
  relayerUrl: string;
  wsUrl: string;
  apiKey: string;
  evm: { rpcUrl: string; chainId: number; factory: Address; privateKey: Hex };
  cardano: { host: string; port: number; chain: string; networkId: 0 | 1; paymentKey: string };
  /** The most this resolver pays for an order (destination base units), or null to skip it. */
  maxPayment: (order: WireOrder) => bigint | null;
  jobsFile: string;
  logger: Logger;
  pollMs?: number;
  /** Public withdrawals/cancellations of others' escrows (default on) and how often to poll for them. */
  publicActions?: boolean;
  publicActionsPollMs?: number;
}

export async function createResolver(s: ResolverSettings): Promise<{ bot: ResolverBot; close(): Promise<void> }> {
  const provider = await OgmiosProvider.connect({ host: s.cardano.host, port: s.cardano.port }, { networkId: s.cardano.networkId });
  const clock = provider.slotClock();
  const bot = new ResolverBot({
    relayerUrl: s.relayerUrl,
    wsUrl: s.wsUrl,
    apiKey: s.apiKey,
    src: new EvmSourceChain(s.evm),
    dst: new CardanoDestinationChain(
      s.cardano.chain,
      { provider, signer: new Ed25519KeySigner(s.cardano.paymentKey, s.cardano.networkId), networkId: s.cardano.networkId, clock },
      async () => slotToMs(clock, (await provider.getNetworkTip()).slot),
      receiverKeyHash,
    ),
    maxPayment: s.maxPayment,
    jobsFile: s.jobsFile,
    logger: s.logger,
    ...(s.pollMs !== undefined ? { pollMs: s.pollMs } : {}),
    ...(s.publicActions !== undefined ? { publicActions: s.publicActions } : {}),
    ...(s.publicActionsPollMs !== undefined ? { publicActionsPollMs: s.publicActionsPollMs } : {}),
  });
  return {
    bot,
    close: async () => {
      await bot.stop();
      await provider.close();
    },
  };
}

/**
 * The datum's informational `maker` field on a destination escrow: the receiver's payment key
 * hash when the receiver is a key address, else zeros (the validator does not read it).
 */
function receiverKeyHash(receiver: string): string {
  try {
    const credential = Core.Address.fromBech32(receiver).getProps().paymentPart;
    return credential?.type === Core.CredentialType.KeyHash ? credential.hash : '00'.repeat(28);
  } catch {
    return '00'.repeat(28);
  }
}
