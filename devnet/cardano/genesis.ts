/**
 * Funded genesis accounts. Keys are derived from a seed (sha256(seed ‖ index)), so a devnet
 * restarted with the same options has the same accounts — and, replaying its blocks, the same
 * chain. These keys are for a local devnet only and hold no value anywhere else.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { Core } from '@blaze-cardano/sdk';

export interface DevnetAccount {
  index: number;
  /** Ed25519 private key (32 bytes hex); use with Blaze's `HotSingleWallet`. */
  privateKey: string;
  publicKey: string;
  /** blake2b-224 of the public key: the payment key hash scripts and datums refer to. */
  paymentKeyHash: string;
  /** Enterprise address (payment key only), testnet: `addr_test1v…`. */
  address: string;
  /** Lovelace funded at genesis, split over `utxos` outputs. */
  lovelace: bigint;
  utxos: number;
}

export interface GenesisOptions {
  seed: string;
  count: number;
  lovelacePerAccount: bigint;
  utxosPerAccount: number;
}

export const DEFAULT_GENESIS: GenesisOptions = {
  seed: 'fusion-relayer-devnet',
  count: 8,
  lovelacePerAccount: 100_000_000_000n, // 100,000 ADA
  utxosPerAccount: 4,
};

export function deriveAccounts(opts: GenesisOptions): DevnetAccount[] {
  const accounts: DevnetAccount[] = [];
  for (let index = 0; index < opts.count; index++) {
    const privateKey = bytesToHex(sha256(utf8ToBytes(`${opts.seed}:${index}`)));
    const publicKey = Core.derivePublicKey(Core.Ed25519PrivateNormalKeyHex(privateKey));
    const paymentKeyHash = Core.blake2b_224(Core.HexBlob(publicKey));
    const address = new Core.Address({
      type: Core.AddressType.EnterpriseKey,
      networkId: Core.NetworkId.Testnet,
      paymentPart: { type: Core.CredentialType.KeyHash, hash: paymentKeyHash },
    }).toBech32();
    accounts.push({
      index,
      privateKey,
      publicKey,
      paymentKeyHash,
      address,
      lovelace: opts.lovelacePerAccount,
      utxos: opts.utxosPerAccount,
    });
  }
  return accounts;
}

export function genesisOutputs(accounts: DevnetAccount[]): Core.TransactionOutput[] {
  const outputs: Core.TransactionOutput[] = [];
  for (const a of accounts) {
    const each = a.lovelace / BigInt(a.utxos);
    for (let i = 0; i < a.utxos; i++) {
      const amount = i === a.utxos - 1 ? a.lovelace - each * BigInt(a.utxos - 1) : each;
      outputs.push(new Core.TransactionOutput(Core.Address.fromBech32(a.address), new Core.Value(amount)));
    }
  }
  return outputs;
}
