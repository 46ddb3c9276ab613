/**
 * A small hand-drawn SVG line chart of one pair's on-chain prices over recent heights. Each
 * point is a circle carrying its height and price (data attributes and a tooltip), so what the
 * chart shows can be read back exactly.
 */
import type { PairView } from "../snapshot.js";

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

export function priceChart(view: PairView): SVGElement {
  const chart = svg("svg", {
    class: "chart",
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    "data-pair": view.pair,
    role: "img",
    "aria-label": `${view.pair} over recent heights`,
  });
  const points = view.points;
  if (points.length === 0) return chart;
  const prices = points.map((p) => Number(p.price));
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
  for (const point of points) {
    const circle = svg("circle", {
      class: "point",
      cx: x(point.height).toFixed(1),
      cy: y(Number(point.price)).toFixed(1),
      r: 2.5,
      "data-height": point.height,
      "data-price": point.price,
    });
    const title = svg("title", {});
    title.textContent = `height ${point.height}: ${point.price}`;
    circle.append(title);
    chart.append(circle);
  }
  return chart;
}
