/** Signature verification throughput: what CheckTx and FinalizeBlock pay per tx. */
import { randomBytes } from "node:crypto";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { TEST_MNEMONIC } from "../chain/client/keys.js";
import { OfflineSigner } from "../chain/client/offline.js";
import { Secp256k1Verifier } from "../chain/tx/signature.js";
import { sha256 } from "../core/hash.js";

export interface SignatureResult {
  name: string;
  perSecond: number;
  microsPerOp: number;
}

export async function benchSignatures(count = 3000): Promise<SignatureResult[]> {
  const signer = await OfflineSigner.fromMnemonic(TEST_MNEMONIC, 0);
  const messages = Array.from({ length: count }, () => randomBytes(300));
  const signatures = messages.map((message) => signer.sign(message));
  const time = (name: string, verify: (i: number) => boolean): SignatureResult => {
    const started = process.hrtime.bigint();
    for (let i = 0; i < count; i++) if (!verify(i)) throw new Error(`${name}: signature ${i} did not verify`);
    const micros = Number(process.hrtime.bigint() - started) / 1000 / count;
    return { name, perSecond: 1e6 / micros, microsPerOp: micros };
  };
  const native = new Secp256k1Verifier();
  return [
    time("node:crypto (OpenSSL), Metro's verifier", (i) => native.verify(signer.pubkey, messages[i]!, signatures[i]!)),
    time("@noble/curves (pure JS)", (i) =>
      secp256k1.verify(signatures[i]!, sha256(messages[i]!), signer.pubkey, { prehash: false }),
    ),
  ];
}
