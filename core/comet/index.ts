export * from "./ed25519.js";
export * from "./hashes.js";
export * from "./trust.js";
export * from "./types.js";
export * from "./verify.js";
