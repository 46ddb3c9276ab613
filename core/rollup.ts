import { utf8 } from "./bytes.js";
import { sha256 } from "./hash.js";

/** A rollup's id: sha256 of its name, so anyone who knows the name can find its data. */
export function rollupIdFromName(name: string): Uint8Array {
  return sha256(utf8(name));
}
