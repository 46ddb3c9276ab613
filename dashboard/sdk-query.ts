/** A Cosmos SDK gRPC-style query through CometBFT's public `abci_query`, typed by cosmjs-types. */
import { abciQuery, QueryFailedError } from "../chain/index.js";

interface RequestType<T> {
  fromPartial(object: Record<string, unknown>): T;
  encode(message: T): { finish(): Uint8Array };
}

export async function sdkQuery<Req, Res>(
  rpc: string,
  path: string,
  request: RequestType<Req>,
  response: { decode(bytes: Uint8Array): Res },
  fields: Record<string, unknown> = {},
): Promise<Res> {
  const result = await abciQuery(rpc, path, request.encode(request.fromPartial(fields)).finish());
  if (result.code !== 0) throw new QueryFailedError(path, result.code, result.log);
  return response.decode(result.value);
}
