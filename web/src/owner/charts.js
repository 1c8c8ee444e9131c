// Charts drawn as SVG from the numbers (no library, nothing fetched): bars per day, stacked or above
// and below an axis, and a gauge for a budget. Each is an image with a text summary for screen
// readers; the numbers themselves are in a table beside it.
import { el } from "../dom.js";

const NS = "http://www.w3.org/2000/svg";
// Narrow screens get a narrower drawing, so its labels stay legible when it is scaled to fit.
const W = window.matchMedia("(max-width: 600px)").matches ? 340 : 640;
const H = 220;
const PAD = { top: 12, right: 8, bottom: 28, left: 44 };
const day = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", timeZone: "UTC" });

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(NS, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  node.append(...children);
  return node;
}

function tip(text) {
  const title = svg("title");
  title.textContent = text;
  return title;
}

/** The top of the axis: four whole, round steps (1, 2 or 5 times a power of ten) reaching `max`. */
function scale(max) {
  let power = 1;
  for (;;) {
    for (const step of [1, 2, 5].map((m) => m * power)) if (step * 4 >= max) return step * 4;
    power *= 10;
  }
}

const fmt = (n) => (n >= 10000 ? `${Math.round(n / 1000)}k` : n.toLocaleString());

function frame(rows, top, below = 0) {
  const inner = { w: W - PAD.left - PAD.right, h: H - PAD.top - PAD.bottom };
  const span = top + below;
  const y = (v) => PAD.top + ((top - v) / span) * inner.h;
  const slot = inner.w / Math.max(rows.length, 1);
  const grid = [];
  for (let v = -below; v <= top + 1e-9; v += (top + below) / 4) {
    grid.push(
      svg("line", { x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v), class: v === 0 ? "or-axis" : "or-grid" }),
      svg("text", { x: PAD.left - 6, y: y(v) + 4, class: "or-tick", "text-anchor": "end" }, fmt(Math.abs(Math.round(v * 100) / 100))),
    );
  }
  const every = Math.ceil(rows.length / (W < 600 ? 4 : 8));
  rows.forEach((row, i) => {
    if (i % every === 0 || i === rows.length - 1) {
      grid.push(svg("text", { x: PAD.left + slot * (i + 0.5), y: H - 8, class: "or-tick", "text-anchor": "middle" }, day.format(new Date(row.day))));
    }
  });
  return { y, slot, grid };
}

function figure(title, summary, chart, series) {
  const legend = el(
    "ul",
    { class: "or-legend", "aria-hidden": "true" },
    ...series.map((s) => el("li", {}, el("span", { class: `or-swatch ${s.class}` }), s.label)),
  );
  chart.setAttribute("role", "img");
  chart.setAttribute("aria-label", `${title}. ${summary}`);
  return el("figure", { class: "or-chart" }, el("figcaption", { class: "or-subtitle", text: title }), chart, legend);
}

/** Bars per day, each series stacked on the one before. series: [{ key, label, class }]. */
export function stackedBars(title, rows, series) {
  const totals = rows.map((row) => series.reduce((sum, s) => sum + (row[s.key] || 0), 0));
  const top = scale(Math.max(0, ...totals));
  const { y, slot, grid } = frame(rows, top);
  const bars = [];
  rows.forEach((row, i) => {
    let base = 0;
    const x = PAD.left + slot * i + slot * 0.15;
    for (const s of series) {
      const value = row[s.key] || 0;
      if (value > 0) {
        bars.push(
          svg("rect", { x, width: slot * 0.7, y: y(base + value), height: y(base) - y(base + value), class: `or-bar ${s.class}` }, tip(`${day.format(new Date(row.day))}: ${value.toLocaleString()} ${s.label.toLowerCase()}`)),
        );
      }
      base += value;
    }
  });
  const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "or-svg" }, ...grid, ...bars);
  const sums = series.map((s) => `${rows.reduce((sum, row) => sum + (row[s.key] || 0), 0).toLocaleString()} ${s.label.toLowerCase()}`);
  return figure(title, `Over ${rows.length} days: ${sums.join(", ")}.`, chart, series);
}

/** One series above the axis and one below it per day (votes up and down). */
export function divergingBars(title, rows, up, down) {
  const top = scale(Math.max(1, ...rows.map((row) => row[up.key] || 0), ...rows.map((row) => row[down.key] || 0)));
  const { y, slot, grid } = frame(rows, top, top);
  const bars = [];
  rows.forEach((row, i) => {
    const x = PAD.left + slot * i + slot * 0.15;
    const label = day.format(new Date(row.day));
    if (row[up.key]) bars.push(svg("rect", { x, width: slot * 0.7, y: y(row[up.key]), height: y(0) - y(row[up.key]), class: `or-bar ${up.class}` }, tip(`${label}: ${row[up.key]} ${up.label.toLowerCase()}`)));
    if (row[down.key]) bars.push(svg("rect", { x, width: slot * 0.7, y: y(0), height: y(-row[down.key]) - y(0), class: `or-bar ${down.class}` }, tip(`${label}: ${row[down.key]} ${down.label.toLowerCase()}`)));
  });
  const total = (key) => rows.reduce((sum, row) => sum + (row[key] || 0), 0);
  const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "or-svg" }, ...grid, ...bars);
  return figure(title, `Over ${rows.length} days: ${total(up.key)} ${up.label.toLowerCase()}, ${total(down.key)} ${down.label.toLowerCase()}.`, chart, [up, down]);
}

/** How much of a budget is used: a bar filled in proportion, and the words. */
export function gauge(label, used, budget, note) {
  const share = budget > 0 ? Math.min(1, used / budget) : 0;
  const kind = share >= 1 ? "or-full" : share >= 0.8 ? "or-high" : "";
  const bar = svg(
    "svg",
    { viewBox: "0 0 100 8", preserveAspectRatio: "none", class: "or-gauge-bar", "aria-hidden": "true" },
    svg("rect", { x: 0, y: 0, width: 100, height: 8, rx: 4, class: "or-gauge-track" }),
    svg("rect", { x: 0, y: 0, width: Math.max(share * 100, used > 0 ? 1 : 0), height: 8, rx: 4, class: `or-gauge-fill ${kind}`.trim() }),
  );
  return el(
    "div",
    { class: "or-gauge" },
    el("p", { class: "or-gauge-label" }, el("strong", { text: label }), ` ${used.toLocaleString()} of ${budget.toLocaleString()} tokens (${Math.round(share * 100)}%)`),
    bar,
    el("p", { class: "or-muted", text: note }),
  );
}
