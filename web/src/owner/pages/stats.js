// How the twin is doing: per day and in total, drawn as charts next to the numbers.
import { el } from "../../dom.js";
import { ROOM, api } from "../api.js";
import { divergingBars, gauge, stackedBars } from "../charts.js";
import { when } from "../text.js";
import { heading, notice } from "../ui.js";

const RANGES = [7, 30, 90];
const money = (value) => (value === null || value === undefined ? "n/a" : `$${value.toFixed(value < 1 ? 4 : 2)}`);
const number = (value) => value.toLocaleString();

// How much of the prompt the provider served from its cache (billed at the cached rate), and how many
// replies came without usage (their tokens are the twin's estimates).
function tokensHint(s) {
  const cached = s.tokens_cached ? `${number(s.tokens_cached)} in from the prompt cache (${Math.round((100 * s.tokens_cached) / s.tokens_in)}%)` : "";
  const estimated = s.estimated_turns ? `${number(s.estimated_turns)} replies estimated` : "";
  return [cached, estimated].filter(Boolean).join("; ");
}

function tile(label, value, hint = "") {
  return el("div", { class: "or-tile" }, el("p", { class: "or-tile-value", text: value }), el("p", { class: "or-tile-label", text: label }), hint ? el("p", { class: "or-muted", text: hint }) : null);
}

export async function stats(main, { query }) {
  let days = Number(query.get("days")) || 7;
  if (!RANGES.includes(days)) days = 7;
  const said = notice();
  const ranges = el("div", { class: "or-filters", role: "group", "aria-label": "Period" });
  const body = el("div", { class: "or-stats", "aria-live": "polite", "aria-busy": "true" });
  main.append(heading("Stats"), ranges, said.node, body);

  function renderRanges() {
    ranges.replaceChildren(
      ...RANGES.map((n) =>
        el("button", {
          type: "button",
          class: "or-filter",
          "aria-pressed": String(n === days),
          text: `${n} days`,
          onclick: () => {
            days = n;
            history.replaceState(null, "", `${ROOM}/stats?days=${n}`);
            renderRanges();
            load();
          },
        }),
      ),
    );
  }

  function render(s) {
    const rows = s.per_day.map((row) => ({ ...row, answered: Math.max(0, row.turns - row.offline_turns) }));
    const votes = s.feedback_up + s.feedback_down;
    const tiles = el(
      "div",
      { class: "or-tiles" },
      tile("Conversations", number(s.conversations)),
      tile("Visitor messages", number(s.turns)),
      tile("Tokens in / out", `${number(s.tokens_in)} / ${number(s.tokens_out)}`, tokensHint(s)),
      tile("Estimated cost", money(s.cost_usd), `at ${s.model} list prices, cached tokens at the cached rate`),
      tile("Answered offline", number(s.offline_turns)),
      tile("Failed turns", number(s.failed_turns)),
      tile("Votes up / down", `${s.feedback_up} / ${s.feedback_down}`, votes ? `${Math.round((100 * s.feedback_up) / votes)}% up` : "no votes"),
      tile("New contacts", number(s.new_contacts)),
      tile("New questions", number(s.new_questions), `${s.open_questions} open`),
    );
    const budgets = s.budget.length
      ? el(
          "section",
          { class: "or-card", "aria-labelledby": "or-budget-title" },
          el("h2", { id: "or-budget-title", class: "or-subtitle", text: "Spend cap" }),
          ...s.budget.map((use) =>
            gauge(
              use.period === "daily" ? "Today" : "This month",
              use.tokens,
              use.budget,
              `${money(use.cost_usd)} so far; resets ${when(use.ends)}${use.tokens >= use.budget ? ". The twin answers offline until then." : "."}`,
            ),
          ),
        )
      : el("p", { class: "or-muted", text: "No spend cap is set." });
    const charts = el(
      "div",
      { class: "or-charts" },
      stackedBars("Visitor messages per day", rows, [
        { key: "answered", label: "Answered", class: "or-s1" },
        { key: "offline_turns", label: "Answered offline", class: "or-s2" },
        { key: "failed_turns", label: "Failed", class: "or-s3" },
      ]),
      stackedBars("Tokens per day", rows, [
        { key: "tokens_in", label: "Tokens in", class: "or-s1" },
        { key: "tokens_out", label: "Tokens out", class: "or-s4" },
      ]),
      divergingBars("Votes per day", rows, { key: "feedback_up", label: "Up", class: "or-s5" }, { key: "feedback_down", label: "Down", class: "or-s3" }),
      stackedBars("New contacts and questions per day", rows, [
        { key: "new_contacts", label: "Contacts", class: "or-s1" },
        { key: "new_questions", label: "Questions", class: "or-s2" },
      ]),
    );
    const head = ["Day", "Conversations", "Messages", "Offline", "Failed", "Tokens in", "Cached", "Tokens out", "Cost", "Up", "Down", "Contacts", "Questions"];
    const table = el(
      "table",
      { class: "or-table or-numbers" },
      el("caption", { text: "The numbers, per day (UTC)" }),
      el("thead", {}, el("tr", {}, ...head.map((h) => el("th", { scope: "col", text: h })))),
      el(
        "tbody",
        {},
        ...[...rows].reverse().map((r) =>
          el(
            "tr",
            {},
            el("th", { scope: "row", text: r.day }),
            ...[r.conversations, r.turns, r.offline_turns, r.failed_turns, r.tokens_in, r.tokens_cached, r.tokens_out].map((v) => el("td", { class: "or-num", text: number(v) })),
            el("td", { class: "or-num", text: money(r.cost_usd) }),
            ...[r.feedback_up, r.feedback_down, r.new_contacts, r.new_questions].map((v) => el("td", { class: "or-num", text: number(v) })),
          ),
        ),
      ),
    );
    body.replaceChildren(tiles, budgets, charts, el("div", { class: "or-scroll", tabindex: "0", role: "region", "aria-label": "Numbers per day" }, table));
  }

  async function load() {
    body.setAttribute("aria-busy", "true");
    try {
      render(await api.get(`/stats?days=${days}`));
      said.clear();
    } catch (error) {
      said.show(error.message, "error");
    } finally {
      body.setAttribute("aria-busy", "false");
    }
  }

  renderRanges();
  await load();
}
