/** A tiny element builder: enough for tables and lists, no framework. */
type Child = Node | string | number | null | undefined | false;

export function h(
  tag: string,
  attributes: Record<string, string | number | undefined> = {},
  ...children: Child[]
): HTMLElement {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined) element.setAttribute(name, String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

/** A table with a header row; each row is its cells and optional row attributes. */
export function table(
  headings: string[],
  rows: { cells: Child[]; attributes?: Record<string, string | number | undefined> }[],
  empty: string,
): HTMLElement {
  if (rows.length === 0) return h("p", { class: "empty" }, empty);
  return h(
    "table",
    {},
    h("thead", {}, h("tr", {}, ...headings.map((heading) => h("th", {}, heading)))),
    h(
      "tbody",
      {},
      ...rows.map((row) => h("tr", row.attributes ?? {}, ...row.cells.map((cell) => h("td", {}, cell)))),
    ),
  );
}

/** Decimal text without trailing zeros: "10000.000000" → "10000". */
export function trimDecimal(text: string): string {
  return text.includes(".") ? text.replace(/\.?0+$/, "") : text;
}
