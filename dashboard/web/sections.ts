/** One render function per section of the page, from the server's snapshot. */
import type { BlockRow, PairView, RollupRow, Snapshot, ValidatorRow } from "../snapshot.js";
import { priceChart } from "./chart.js";
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
  const votes = table(
    ["validator", `vote${view.votesHeight ? ` at ${view.votesHeight}` : ""}`],
    view.votes.map((vote) => ({
      cells: [vote.validator, vote.price === null ? "—" : trimDecimal(vote.price)],
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
    priceChart(view),
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

export function progress({ progress: p }: Snapshot): HTMLElement {
  const behind =
    p.metroHeight !== undefined && p.relayerPostedThrough !== undefined
      ? p.metroHeight - p.relayerPostedThrough
      : undefined;
  return h(
    "dl",
    {},
    h("dt", {}, "Metro committed"),
    h("dd", {}, p.metroHeight ?? "—"),
    h("dt", {}, "DA head"),
    h("dd", {}, p.daHead ?? "—"),
    h("dt", {}, "relayer posted through"),
    h(
      "dd",
      { id: "relayer-posted" },
      p.daUrl === undefined
        ? "no DA given (--da-url)"
        : p.relayerPostedThrough === undefined
          ? "nothing found on the DA yet"
          : `Metro ${p.relayerPostedThrough} (DA height ${p.relayerDaHeight}), ${behind} behind`,
    ),
  );
}

export function wallet(snapshot: Snapshot): HTMLElement {
  if (!snapshot.chainInfo) return h("p", { class: "empty" }, "chain info not read yet");
  return h("pre", { id: "chain-info" }, JSON.stringify(snapshot.chainInfo, null, 2));
}
