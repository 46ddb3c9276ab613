/**
 * The network under the client code a surface drives: while installed, `fetch` to the surface's
 * made-up host is answered in process by the surface (with hostile replies), so the client's
 * own request and reply handling runs unchanged and no socket is opened. Other URLs go out as usual.
 */

export type FakeServer = (url: URL, init: RequestInit | undefined) => Promise<Response> | Response;

/** Routes fetches to `http://<host>/…` to `server` until the returned function is called. */
export function installFetch(host: string, server: FakeServer): () => void {
  const real = globalThis.fetch;
  globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : input.toString());
    if (url.host !== host) return real(input, init);
    const body = input instanceof Request ? await input.text() : undefined;
    return server(
      url,
      body === undefined
        ? init
        : { ...init, body, method: input instanceof Request ? input.method : init?.method },
    );
  }) as typeof fetch;
  return () => {
    globalThis.fetch = real;
  };
}

/** A reply of `status` with `body`, as a node or exchange would send it. */
export function reply(status: number, body: string, contentType = "application/json"): Response {
  const noBody = status === 204 || status === 304;
  return new Response(noBody ? null : body, { status, headers: { "content-type": contentType } });
}

/** What a dropped connection looks like to fetch's caller. */
export function connectionRefused(): never {
  throw new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED 127.0.0.1:1") });
}
