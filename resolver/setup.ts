/**
 * Builds the reference resolver from plain settings: its EVM key and the factory, its Cardano
 * payment key and an Ogmios endpoint, the relayer's URLs and its API key. Used by the resolver
 * process (resolver/main.ts), the demo and the end-to-end tests.
 */
import { Core } from '@blaze-cardano/sdk';
import type { Address, Hex } from 'viem';
import { OgmiosProvider } from '../cardano-tx/ogmios-provider.js';
import { Ed25519KeySigner } from '../cardano-tx/index.js';
import { ResolverBot, type ResolverOptions } from './bot.js';
import { CardanoDestinationChain } from './cardano.js';
import { EvmSourceChain } from './evm.js';

/** The bot's options, with the two chains given as endpoints and keys instead of built objects. */
export type ResolverSettings = Omit<ResolverOptions, 'src' | 'dst'> & {
  evm: { rpcUrl: string; chainId: number; factory: Address; privateKey: Hex };
  cardano: { host: string; port: number; chain: string; networkId: 0 | 1; paymentKey: string };
};

export async function createResolver(s: ResolverSettings): Promise<{ bot: ResolverBot; close(): Promise<void> }> {
  const provider = await OgmiosProvider.connect({ host: s.cardano.host, port: s.cardano.port }, { networkId: s.cardano.networkId });
  const clock = provider.slotClock();
  const { evm, cardano, ...options } = s;
  const bot = new ResolverBot({
    ...options,
    src: new EvmSourceChain(evm),
    dst: new CardanoDestinationChain(
      cardano.chain,
      { provider, signer: new Ed25519KeySigner(cardano.paymentKey, cardano.networkId), networkId: cardano.networkId, clock },
      async () => Number(clock.slotToMs((await provider.getNetworkTip()).slot)),
      receiverKeyHash,
    ),
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
