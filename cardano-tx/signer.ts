/**
 * A payment key that signs transactions (Ed25519, enterprise address). Resolvers and tests
 * hold one; the relayer itself never holds a key (architecture §1).
 */
import { Core } from '@blaze-cardano/sdk';

export interface CardanoSigner {
  readonly address: Core.Address;
  /** blake2b-224 of the public key, hex. */
  readonly paymentKeyHash: string;
  /** Adds this key's vkey witness to the transaction. */
  sign(tx: Core.Transaction): Promise<Core.Transaction>;
}

export class Ed25519KeySigner implements CardanoSigner {
  readonly address: Core.Address;
  readonly paymentKeyHash: string;
  private readonly publicKey: string;

  /** `privateKeyHex`: a 32-byte Ed25519 seed (normal, not extended, key). */
  constructor(
    private readonly privateKeyHex: string,
    networkId: 0 | 1,
  ) {
    this.publicKey = Core.derivePublicKey(Core.Ed25519PrivateNormalKeyHex(privateKeyHex));
    this.paymentKeyHash = Core.blake2b_224(Core.HexBlob(this.publicKey));
    this.address = new Core.Address({
      type: Core.AddressType.EnterpriseKey,
      networkId: networkId === 1 ? Core.NetworkId.Mainnet : Core.NetworkId.Testnet,
      paymentPart: { type: Core.CredentialType.KeyHash, hash: Core.Hash28ByteBase16(this.paymentKeyHash) },
    });
  }

  async sign(tx: Core.Transaction): Promise<Core.Transaction> {
    const signature = Core.signMessage(Core.HexBlob(tx.getId()), Core.Ed25519PrivateNormalKeyHex(this.privateKeyHex));
    const ws = tx.witnessSet();
    const vkeys = ws.vkeys()?.toCore() ?? [];
    vkeys.push([Core.Ed25519PublicKeyHex(this.publicKey), Core.Ed25519SignatureHex(signature)]);
    ws.setVkeys(Core.CborSet.fromCore(vkeys, Core.VkeyWitness.fromCore));
    tx.setWitnessSet(ws);
    return tx;
  }

  /** Never print the key. */
  toJSON(): { address: string } {
    return { address: this.address.toBech32() };
  }
}
