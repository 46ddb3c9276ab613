/**
 * A small hand-drawn SVG line chart of one pair's on-chain prices over recent heights, with each
 * validator's vote at each height as a ring in its colour. Every point and ring carries its
 * height and price (data attributes and a tooltip), so what the chart shows can be read back exactly.
 */
import type { ChartPoint, PairView } from "../snapshot.js";

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 360;
const HEIGHT = 120;
const PAD = 8;

function svg(tag: string, attributes: Record<string, string | number>): SVGElement {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  return element;
}

function label(x: number, y: number, anchor: "start" | "end", text: string): SVGElement {
  const element = svg("text", { class: "label", x, y, "text-anchor": anchor });
  element.textContent = text;
  return element;
}

/** Colours for the validators' votes, by their place in the sorted list of voters. */
const PALETTE = ["#d9480f", "#2b8a3e", "#862e9c", "#e67700", "#0b7285", "#c2255c", "#5c940d", "#364fc7"];

/** Every validator that voted in the charted heights, sorted, each with its colour. */
export function voterColours(points: readonly ChartPoint[]): Map<string, string> {
  const names = [...new Set(points.flatMap((p) => p.votes.map((v) => v.validator)))].sort();
  return new Map(names.map((name, i) => [name, PALETTE[i % PALETTE.length]!]));
}

function circle(
  className: string,
  cx: number,
  cy: number,
  data: Record<string, string | number>,
  tip: string,
) {
  const element = svg("circle", { class: className, cx: cx.toFixed(1), cy: cy.toFixed(1), r: 2.5 });
  for (const [name, value] of Object.entries(data)) element.setAttribute(`data-${name}`, String(value));
  const title = svg("title", {});
  title.textContent = tip;
  element.append(title);
  return element;
}

export function priceChart(view: PairView, colours: ReadonlyMap<string, string>): SVGElement {
  const chart = svg("svg", {
    class: "chart",
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    "data-pair": view.pair,
    role: "img",
    "aria-label": `${view.pair} over recent heights, with each validator's vote`,
  });
  const points = view.points;
  if (points.length === 0) return chart;
  const votes = points.flatMap((p) =>
    p.votes.flatMap((v) =>
      v.price === null ? [] : [{ height: p.height, validator: v.validator, price: v.price }],
    ),
  );
  const prices = [...points, ...votes].map((p) => Number(p.price));
  const heights = points.map((p) => p.height);
  const [minH, maxH] = [Math.min(...heights), Math.max(...heights)];
  const [minP, maxP] = [Math.min(...prices), Math.max(...prices)];
  const x = (height: number) => PAD + ((height - minH) / Math.max(1, maxH - minH)) * (WIDTH - 2 * PAD);
  // A flat series sits in the middle rather than on an edge.
  const y = (price: number) =>
    maxP === minP ? HEIGHT / 2 : HEIGHT - PAD - ((price - minP) / (maxP - minP)) * (HEIGHT - 2 * PAD);
  const path = points.map(
    (p, i) => `${i === 0 ? "M" : "L"}${x(p.height).toFixed(1)},${y(Number(p.price)).toFixed(1)}`,
  );
  chart.append(svg("path", { class: "line", d: path.join(" ") }));
  chart.append(
    label(WIDTH - PAD, PAD + 8, "end", String(maxP)),
    label(WIDTH - PAD, HEIGHT - PAD - 10, "end", maxP === minP ? "" : String(minP)),
    label(PAD, HEIGHT - 2, "start", `height ${minH}`),
    label(WIDTH - PAD, HEIGHT - 2, "end", `${maxH}`),
  );
  for (const vote of votes) {
    const ring = circle(
      "vote",
      x(vote.height),
      y(Number(vote.price)),
      vote,
      `${vote.validator} voted ${vote.price} at ${vote.height}`,
    );
    ring.setAttribute("stroke", colours.get(vote.validator) ?? "#8a93a6");
    chart.append(ring);
  }
  for (const point of points) {
    const data = { height: point.height, price: point.price };
    chart.append(
      circle(
        "point",
        x(point.height),
        y(Number(point.price)),
        data,
        `height ${point.height}: ${point.price}`,
      ),
    );
  }
  return chart;
}
