/**
 * The embedded default of `npm start` (DEVNET=auto): a local chain for each chain the settings
 * leave unconfigured, so the relayer runs with no configuration at all. Never part of a
 * configured (production) relayer: each devnet is imported only when it is started.
 */
import type { LocalDevnets } from '../src/chains/settings.js';
import type { Config } from '../src/config.js';
import type { Logger } from '../src/observability/logger.js';

export async function startEmbeddedDevnets(config: Pick<Config, 'devnet' | 'evm' | 'cardano'>, logger: Logger): Promise<LocalDevnets> {
  const devnets: LocalDevnets = {};
  if (config.devnet === 'off') return devnets;
  try {
    if (!config.evm.rpcUrl) {
      const { startEvmDevnet } = await import('./evm/index.js');
      const evm = await startEvmDevnet();
      devnets.evm = evm;
      logger.info({ rpcUrl: evm.rpcUrl, chainId: evm.chainId, factory: evm.factory, token: evm.token }, 'embedded EVM devnet (anvil) started');
    }
    if (!config.cardano.ogmiosUrl) {
      const { startCardanoDevnet } = await import('./cardano/index.js');
      const cardano = await startCardanoDevnet();
      devnets.cardano = cardano;
      logger.info({ url: cardano.url, chain: cardano.chain }, 'embedded Cardano devnet (Ogmios v6 over a ledger emulator) started');
    }
    return devnets;
  } catch (err) {
    await stopDevnets(devnets);
    throw err;
  }
}

export async function stopDevnets(devnets: LocalDevnets): Promise<void> {
  await Promise.all([devnets.evm?.stop(), devnets.cardano?.stop()]);
}
