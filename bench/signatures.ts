/** Signature verification throughput: what CheckTx and FinalizeBlock pay per tx. */
import { createPublicKey, randomBytes, verify } from "node:crypto";

const SPKI_PREFIX = Buffer.from("3036301006072a8648ce3d020106052b8104000a032200", "hex");

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
  const openssl = createPublicKey({
    key: Buffer.concat([SPKI_PREFIX, signer.pubkey]),
    format: "der",
    type: "spki",
  });
  return [
    time("node:crypto (OpenSSL)", (i) =>
      verify("sha256", messages[i]!, { key: openssl, dsaEncoding: "ieee-p1363" }, signatures[i]!),
    ),
    time("libsecp256k1 (native), Metro's verifier", (i) =>
      native.verify(signer.pubkey, messages[i]!, signatures[i]!),
    ),
    time("@noble/curves (pure JS)", (i) =>
      secp256k1.verify(signatures[i]!, sha256(messages[i]!), signer.pubkey, { prehash: false }),
    ),
  ];
}
