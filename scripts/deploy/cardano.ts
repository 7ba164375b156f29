/**
 * Publishes the compiled escrow validator as a reference script: one output holding the script
 * (so spenders reference it instead of attaching ~the script to every transaction), paid to the
 * deployer's address unless `--to` names another. Reports the script hash (CARDANO_ESCROW_SCRIPT),
 * the escrow address and the reference UTxO.
 */
import { Core } from '@blaze-cardano/sdk';
import { escrowScript } from '../../contracts/cardano/index.js';
import { OgmiosProvider } from '../../cardano-tx/ogmios-provider.js';
import { Ed25519KeySigner, fundedBuilder, type EscrowTxContext } from '../../cardano-tx/index.js';
import { DeployError } from './key-file.js';

export interface CardanoDeployOptions {
  ogmiosUrl: string;
  privateKey: string;
  networkId: 0 | 1;
  /** Bech32 address that holds the reference script (default: the deployer's). */
  to?: string;
  /** How long to wait until the output is on chain. */
  timeoutMs?: number;
}

export interface CardanoDeployment {
  scriptHash: string;
  escrowAddress: string;
  referenceUtxo: string;
  holder: string;
  deployer: string;
  lovelace: bigint;
}

export function ogmiosEndpoint(url: string): { host: string; port: number; tls: boolean } {
  const u = new URL(url);
  const tls = u.protocol === 'wss:' || u.protocol === 'https:';
  return { host: u.hostname, port: u.port ? Number(u.port) : tls ? 443 : 1337, tls };
}

export async function deployCardano(opts: CardanoDeployOptions): Promise<CardanoDeployment> {
  const provider = await OgmiosProvider.connect(ogmiosEndpoint(opts.ogmiosUrl), { networkId: opts.networkId });
  try {
    const signer = new Ed25519KeySigner(opts.privateKey, opts.networkId);
    const holder = opts.to ? parseAddress(opts.to, opts.networkId) : signer.address;
    const ctx: EscrowTxContext = { provider, signer, networkId: opts.networkId, clock: provider.slotClock() };
    const params = await provider.getParameters();

    const withCoin = (lovelace: bigint) => {
      const o = new Core.TransactionOutput(holder, new Core.Value(lovelace));
      o.setScriptRef(escrowScript.script);
      return o;
    };
    // Ledger min-UTxO: (160 + serialized size) * coinsPerUtxoByte, sized with a 9-byte coin (an upper bound).
    const minLovelace = BigInt(params.coinsPerUtxoByte) * BigInt(withCoin(2n ** 40n).toCbor().length / 2 + 160);
    const output = withCoin(minLovelace);

    let tx: Core.Transaction;
    try {
      const unsigned = await (await fundedBuilder(ctx)).addOutput(output).complete();
      tx = await signer.sign(unsigned);
    } catch (err) {
      throw new DeployError('BUILD_FAILED', `could not build the publishing transaction (is ${signer.address.toBech32()} funded?): ${(err as Error).message}`);
    }
    try {
      await provider.postTransactionToChain(tx);
    } catch (err) {
      throw new DeployError('SUBMIT_FAILED', `Ogmios refused the transaction ${tx.getId()}: ${errorText(err)}`);
    }
    const index = tx
      .body()
      .outputs()
      .findIndex((o) => o.scriptRef()?.hash() === escrowScript.hash);
    const input = new Core.TransactionInput(Core.TransactionId(tx.getId()), BigInt(index));
    await waitForOutput(provider, input, opts.timeoutMs ?? 600_000);
    return {
      scriptHash: escrowScript.hash,
      escrowAddress: escrowScript.address(opts.networkId).toBech32(),
      referenceUtxo: `${tx.getId()}#${index}`,
      holder: holder.toBech32(),
      deployer: signer.address.toBech32(),
      lovelace: minLovelace,
    };
  } finally {
    await provider.close();
  }
}

function parseAddress(bech32: string, networkId: 0 | 1): Core.Address {
  let address: Core.Address;
  try {
    address = Core.Address.fromBech32(bech32);
  } catch {
    throw new DeployError('BAD_ADDRESS', `--to ${bech32} is not a Cardano address`);
  }
  if (address.getNetworkId() !== (networkId === 1 ? Core.NetworkId.Mainnet : Core.NetworkId.Testnet)) {
    throw new DeployError('BAD_ADDRESS', `--to ${bech32} belongs to another network`);
  }
  return address;
}

async function waitForOutput(provider: OgmiosProvider, input: Core.TransactionInput, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await provider.resolveUnspentOutputs([input]).catch(() => [])).length > 0) return;
    if (Date.now() > deadline) throw new DeployError('NOT_CONFIRMED', `${input.transactionId()}#${input.index()} not on chain after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  const e = (err as { error?: { code?: number; message?: string } } | undefined)?.error;
  return e ? `${e.code ?? '?'} ${e.message ?? ''}`.trim() : String(err);
}
