export { toRestJson } from "./json.js";
export { RestError } from "./routes.js";
export { RestServer } from "./server.js";

/** The Cosmos SDK's API port. */
export const DEFAULT_REST_PORT = 1317;
