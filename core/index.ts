export * from "./address.js";
export * from "./bytes.js";
export * from "./denom.js";
export * from "./hash.js";
export { type ProtoCodec, ProtoDecodeError } from "./proto/codec.js";
export * from "./proto/sequencer.js";
export * from "./rollup.js";
export * from "./smt.js";
