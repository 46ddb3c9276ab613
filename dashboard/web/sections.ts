/** One render function per section of the page, from the server's snapshot. */
import type { BlockRow, EndpointHealth, PairView, RollupRow, Snapshot, ValidatorRow } from "../snapshot.js";
import { priceChart, voterColours } from "./chart.js";
import { h, table, trimDecimal } from "./dom.js";

const shortId = (id: string): string => `${id.slice(0, 8)}…`;

function rollupLabel(rollup: { id: string; name?: string }): HTMLElement {
  return h(
    "span",
    { class: "rollup", "data-rollup-id": rollup.id, title: rollup.id },
    rollup.name ?? shortId(rollup.id),
  );
}

export function blocks(rows: BlockRow[]): HTMLElement {
  return table(
    ["height", "time", "proposer", "txs", "bytes", "rollups touched"],
    rows.map((row) => ({
      attributes: { "data-height": row.height },
      cells: [
        row.height,
        new Date(row.time).toLocaleTimeString(),
        row.proposer,
        row.txs,
        row.bytes,
        h(
          "span",
          { class: "rollups" },
          ...row.rollups.flatMap((r) => [rollupLabel(r), ` (${r.txs} tx, ${r.bytes} B) `]),
        ),
      ],
    })),
    "no blocks read yet",
  );
}

function pair(view: PairView): HTMLElement {
  const colours = voterColours(view.points);
  const votes = table(
    ["", "validator", `vote${view.votesHeight ? ` at ${view.votesHeight}` : ""}`],
    view.votes.map((vote) => ({
      attributes: { "data-validator": vote.validator },
      cells: [
        h("span", { class: "swatch", style: `background: ${colours.get(vote.validator) ?? "#8a93a6"}` }),
        vote.validator,
        vote.price === null ? "—" : trimDecimal(vote.price),
      ],
    })),
    "no votes yet",
  );
  return h(
    "div",
    { class: "pair", "data-pair": view.pair },
    h(
      "h3",
      {},
      view.pair,
      " ",
      h("span", { class: "latest" }, view.latest ? trimDecimal(view.latest.price) : "no price yet"),
    ),
    view.latest
      ? h("p", { class: "meta" }, `set at height ${view.latest.height}; ${view.points.length} points`)
      : null,
    priceChart(view, colours),
    votes,
  );
}

export function prices(views: PairView[]): HTMLElement {
  if (views.length === 0) return h("p", { class: "empty" }, "no pairs read yet");
  return h("div", { class: "pairs" }, ...views.map(pair));
}

function headers(rollup: RollupRow): string {
  if (!rollup.registered) return "not registered";
  return `latest ${rollup.latestHeader}, final through ${rollup.finalThrough}, ${rollup.pending} pending`;
}

export function rollups(rows: RollupRow[]): HTMLElement {
  return table(
    ["rollup", "id", "data seen", "headers", "challenges"],
    rows.map((row) => ({
      attributes: { "data-rollup-id": row.id },
      cells: [
        row.name ?? "—",
        h("code", { title: row.id }, shortId(row.id)),
        `${row.seenTxs} tx, ${row.seenBytes} B`,
        headers(row),
        row.challenges.length === 0
          ? "none"
          : h(
              "ul",
              {},
              ...row.challenges.map((c) =>
                h("li", {}, `#${c.rollupHeight} ${c.outcome} at ${c.height}: ${c.reason}`),
              ),
            ),
      ],
    })),
    "no rollups seen yet",
  );
}

function validatorState(row: ValidatorRow): string {
  if (row.tombstoned) return "tombstoned";
  if (row.jailed) return "jailed";
  return row.status.replace("BOND_STATUS_", "").toLowerCase();
}

export function validators(rows: ValidatorRow[]): HTMLElement {
  return table(
    ["moniker", "state", "stake (stTIA)", "power (TIA)", "commission", "uptime", "oracle bad blocks"],
    rows.map((row) => ({
      attributes: {
        "data-operator": row.operator,
        class: row.jailed || row.tombstoned ? "jailed" : undefined,
      },
      cells: [
        h("span", { title: row.operator }, row.moniker),
        h("span", { class: "state" }, validatorState(row)),
        trimDecimal(row.stake),
        row.power,
        `${(Number(row.commission) * 100).toFixed(2)}%`,
        row.uptime === undefined
          ? "—"
          : `${row.uptime.toFixed(1)}% (${row.missedBlocks} of ${row.window} missed)`,
        `${row.oracleBadBlocks} / ${row.oracleMaxBadBlocks}`,
      ],
    })),
    "no validators read yet",
  );
}

export function governance(rows: Snapshot["proposals"]): HTMLElement {
  return table(
    ["id", "title", "status", "voting ends", "tally (yes / no / abstain / veto)"],
    rows.map((p) => ({
      attributes: { "data-proposal": p.id },
      cells: [
        p.id,
        p.title,
        p.status.toLowerCase().replaceAll("_", " "),
        p.votingEnd ? new Date(p.votingEnd).toLocaleString() : "—",
        `${p.tally.yes} / ${p.tally.no} / ${p.tally.abstain} / ${p.tally.veto}`,
      ],
    })),
    "no proposals",
  );
}

/** A definition list of facts; each value's element carries `data-fact` for reading it back. */
function facts(rows: [string, string, string | number][]): HTMLElement {
  return h(
    "dl",
    {},
    ...rows.flatMap(([fact, term, value]) => [h("dt", {}, term), h("dd", { "data-fact": fact }, value)]),
  );
}

const empty = (text: string): HTMLElement => h("p", { class: "empty" }, text);

export function relayer({ relayer: r }: Snapshot): HTMLElement {
  if (!r.metricsUrl) return empty("no relayer metrics given (--relayer-metrics URL)");
  const p = r.progress;
  if (!p) return empty(`not read yet from ${r.metricsUrl}`);
  return h(
    "div",
    {},
    h("progress", { max: Math.max(1, p.metroHeight), value: p.postedThrough }),
    facts([
      ["metro-height", "Metro head seen", p.metroHeight],
      ["gossiped-through", "gossiped through", p.gossipedThrough],
      ["posted-through", "posted to the DA through", p.postedThrough],
      ["da-lag", "behind on the DA", `${p.daLag} block(s)`],
      ["posts", "DA posts", `${p.posts} (${p.retries} retried)`],
      ["posted-bytes", "bytes posted", `${p.postedBytes} B compressed, ${p.rawBytes} B of blocks`],
      ["peers", "gossip peers", p.peers],
    ]),
  );
}

export function da({ da: d }: Snapshot): HTMLElement {
  if (!d.url && !d.metricsUrl) return empty("no DA given (--da-url URL, --da-metrics URL)");
  const found =
    d.metroFoundThrough === undefined
      ? "nothing found in Metro's namespace yet"
      : `${d.metroFoundThrough} (at DA height ${d.metroFoundAt})`;
  const rows: [string, string, string | number][] = [
    ["head", "DA head", d.head ?? "—"],
    ["metro-found", "Metro on the DA through", d.url ? found : "no DA JSON-RPC given (--da-url)"],
  ];
  const m = d.metrics;
  if (m) {
    rows.push(["blobs", "blobs included", `${m.blobs} (${m.blobBytes} B), ${m.pendingBlobs} waiting`]);
  } else if (d.metricsUrl) {
    rows.push(["blobs", "blobs included", `not read yet from ${d.metricsUrl}`]);
  }
  return facts(rows);
}

/** Endpoints with whether their last read worked, and why not. */
export function endpointList(endpoints: EndpointHealth[]): HTMLElement {
  return h(
    "ul",
    { class: "endpoints" },
    ...endpoints.map((e) =>
      h(
        "li",
        { "data-up": String(e.up), "data-name": e.name, class: e.up ? "up" : "down" },
        h("strong", {}, e.up ? "up" : "down"),
        ` ${e.name} `,
        h("a", { href: e.url }, e.url),
        e.error ? h("span", { class: "error" }, `: ${e.error}`) : null,
      ),
    ),
  );
}

export function metrics({ metrics: list }: Snapshot): HTMLElement {
  return list.length === 0 ? empty("no metrics endpoints given (--metrics NAME=URL)") : endpointList(list);
}

export function wallet(snapshot: Snapshot): HTMLElement {
  if (!snapshot.chainInfo) return h("p", { class: "empty" }, "chain info not read yet");
  return h("pre", { id: "chain-info" }, JSON.stringify(snapshot.chainInfo, null, 2));
}
