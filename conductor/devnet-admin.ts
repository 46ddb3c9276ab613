/**
 * How `metro rollup deploy` reaches a running devnet: the devnet serves a small loopback-only
 * admin endpoint and writes its URL into its home; the deploy command posts the rollup to it,
 * and the devnet itself creates and supervises the rollup's processes.
 */
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { z } from "zod";
import { writeFileAtomic } from "../core/atomic-file.js";

export class DevnetAdminError extends Error {
  override name = "DevnetAdminError";
}

export const DeployRequestSchema = z.object({
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "a rollup name is lowercase letters, digits and dashes"),
  chainId: z
    .number()
    .int()
    .positive()
    .max(2 ** 53 - 1),
  /** 0 picks a free port. */
  rpcPort: z.number().int().min(0).max(65535).default(0),
});
export type DeployRequest = z.infer<typeof DeployRequestSchema>;

const DeployResultSchema = z.object({ rpcUrl: z.string(), home: z.string() });
export type DeployResult = z.infer<typeof DeployResultSchema>;

const adminUrlFile = (devnetHome: string) => join(devnetHome, "admin-url");

export async function serveDevnetAdmin(
  devnetHome: string,
  deploy: (request: DeployRequest) => Promise<DeployResult>,
): Promise<Server> {
  const server = createServer((request, response) => {
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(body));
    };
    if (request.method !== "POST" || request.url !== "/rollups")
      return reply(404, { error: "POST /rollups only" });
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      void (async () => {
        let parsed: DeployRequest;
        try {
          parsed = DeployRequestSchema.parse(JSON.parse(Buffer.concat(chunks).toString("utf8")));
        } catch (error) {
          return reply(400, { error: `bad deploy request: ${(error as Error).message}` });
        }
        try {
          reply(200, await deploy(parsed));
        } catch (error) {
          reply(409, { error: (error as Error).message });
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  writeFileAtomic(adminUrlFile(devnetHome), `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  return server;
}

export async function deployThroughDevnet(devnetHome: string, request: DeployRequest): Promise<DeployResult> {
  const file = adminUrlFile(devnetHome);
  if (!existsSync(file)) {
    throw new DevnetAdminError(`no running devnet in ${devnetHome}: start one with npm run devnet`);
  }
  let response: Response;
  try {
    response = await fetch(`${readFileSync(file, "utf8").trim()}/rollups`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(request),
      signal: AbortSignal.timeout(120_000),
    });
  } catch (error) {
    throw new DevnetAdminError(
      `the devnet in ${devnetHome} does not answer (is it running?): ${(error as Error).message}`,
    );
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const reason = z.object({ error: z.string() }).safeParse(body);
    throw new DevnetAdminError(reason.success ? reason.data.error : `HTTP ${response.status}`);
  }
  return DeployResultSchema.parse(body);
}
