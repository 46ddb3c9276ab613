/** A REST failure in the gateway's terms: an HTTP status and a gRPC code (3 invalid argument, 5 not found…). */
export class RestError extends Error {
  override name = "RestError";
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}
