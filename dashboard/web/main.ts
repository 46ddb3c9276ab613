/**
 * The dashboard page: polls the server's /api/state every second and redraws each section,
 * so it updates without a reload. Only same-origin requests: it works with no internet.
 */
import type { KeplrChainInfo, SectionName, Snapshot } from "../snapshot.js";
import { h } from "./dom.js";
import * as render from "./sections.js";

const POLL_MS = 1_000;

const SECTIONS: Record<Exclude<SectionName, "rest">, (s: Snapshot) => HTMLElement> = {
  blocks: (s) => render.blocks(s.blocks),
  prices: (s) => render.prices(s.prices),
  rollups: (s) => render.rollups(s.rollups),
  validators: (s) => render.validators(s.validators),
  governance: (s) => render.governance(s.proposals),
  relayer: render.relayer,
  da: render.da,
  metrics: render.metrics,
  wallet: render.wallet,
};

const byId = (id: string): HTMLElement => document.getElementById(id)!;
let latest: Snapshot | undefined;

function showBanner(text: string | undefined): void {
  const banner = byId("banner");
  banner.hidden = text === undefined;
  banner.textContent = text ?? "";
}

function draw(snapshot: Snapshot): void {
  byId("chain-id").textContent = snapshot.chainId ?? "chain unknown";
  byId("height").textContent = snapshot.height === undefined ? "–" : String(snapshot.height);
  byId("updated").textContent = `updated ${new Date(snapshot.updatedAt).toLocaleTimeString()}`;
  byId("endpoints").replaceChildren(render.endpointList(snapshot.endpoints));
  const node = snapshot.endpoints[0];
  showBanner(node && !node.up ? `The Metro node at ${node.url} is down: ${node.error}` : undefined);
  for (const [name, build] of Object.entries(SECTIONS)) {
    const error = snapshot.errors[name as SectionName];
    document
      .querySelector(`[data-section="${name}"] .body`)!
      .replaceChildren(...(error ? [h("p", { class: "error" }, error)] : []), build(snapshot));
  }
}

async function poll(): Promise<void> {
  try {
    const response = await fetch("/api/state", { cache: "no-store" });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    latest = (await response.json()) as Snapshot;
    draw(latest);
  } catch (error) {
    showBanner(`The dashboard server is unreachable: ${(error as Error).message}`);
  }
  setTimeout(() => void poll(), POLL_MS);
}

interface Keplr {
  experimentalSuggestChain(info: KeplrChainInfo): Promise<void>;
  enable(chainId: string): Promise<void>;
}

/** Why adding the chain to Keplr failed or worked, in words. */
async function suggestToKeplr(): Promise<string> {
  const keplr = (window as unknown as { keplr?: Keplr }).keplr;
  const info = latest?.chainInfo;
  if (!info) return "The chain info is not read yet.";
  if (!keplr) return "Keplr is not installed in this browser.";
  try {
    await keplr.experimentalSuggestChain(info);
    await keplr.enable(info.chainId);
    return `Added ${info.chainId} to Keplr.`;
  } catch (error) {
    return `Keplr refused: ${(error as Error).message}`;
  }
}

byId("keplr-button").addEventListener("click", async () => {
  byId("keplr-result").textContent = await suggestToKeplr();
});

void poll();
