// The inbox: every conversation, newest activity first, with the flags the owner filters on, and a
// search over the messages. It refreshes itself while it is on screen.
import { el } from "../../dom.js";
import { ROOM, api } from "../api.js";
import { count, visible } from "../text.js";
import { badge, button, every, heading, notice, stamp, unmarked } from "../ui.js";

const FILTERS = [
  ["all", "All"],
  ["unread", "Unread"],
  ["attention", "Needs attention"],
  ["live", "Live"],
];
const REASONS = {
  open_question: "Open question",
  new_contact: "New contact",
  thumbs_down: "Voted down",
  failed_turn: "Failed turn",
};
const WHO = { user: "Visitor", assistant: "Twin", owner: "You" };
const PAGE = 50;
const REFRESH_MS = 20000;

export async function inbox(main, { query }) {
  const state = { q: query.get("q") || "", show: query.get("show") || "all", limit: PAGE, last: "" };
  if (!FILTERS.some(([key]) => key === state.show)) state.show = "all";
  const status = notice();
  const search = el("input", {
    id: "or-search",
    type: "search",
    class: "or-input",
    value: state.q,
    placeholder: "Words in a message, or an email",
    autocomplete: "off",
  });
  const filters = el("div", { class: "or-filters", role: "group", "aria-label": "Show" });
  const list = el("ul", { class: "or-list", "aria-label": "Conversations" });
  const more = button("Show more", () => {
    state.limit += PAGE;
    load();
  });
  const summary = el("p", { class: "or-lead" });
  main.append(
    heading("Inbox"),
    summary,
    el(
      "div",
      { class: "or-toolbar" },
      el("label", { for: "or-search", class: "or-label", text: "Search conversations" }),
      search,
    ),
    filters,
    status.node,
    list,
    more,
  );

  function remember() {
    const params = new URLSearchParams();
    if (state.q) params.set("q", state.q);
    if (state.show !== "all") params.set("show", state.show);
    const search = params.toString();
    history.replaceState(null, "", search ? `${ROOM}?${search}` : ROOM);
  }

  function renderFilters(counts) {
    filters.replaceChildren(
      ...FILTERS.map(([key, label]) =>
        el(
          "button",
          {
            type: "button",
            class: "or-filter",
            "aria-pressed": String(state.show === key),
            onclick: () => {
              state.show = key;
              state.limit = PAGE;
              remember();
              load();
            },
          },
          `${label} `,
          el("span", { class: "or-count", text: String(counts[key] ?? 0) }),
        ),
      ),
    );
  }

  function item(conversation) {
    const flags = conversation.flags;
    const marks = el("span", { class: "or-marks" });
    if (flags.unread) marks.append(badge("Unread", "or-unread"));
    if (flags.live) marks.append(badge("Live", "or-live"));
    if (flags.owner_present) marks.append(badge("You are in", "or-present"));
    for (const reason of flags.attention) marks.append(badge(REASONS[reason] || reason, "or-attention"));
    const who = conversation.contact || `Visitor ${conversation.session_id.slice(0, 6)}`;
    const role = conversation.last_role;
    const flat = (text) => visible(text).replace(/\s+/g, " ").trim();
    const words = role === "assistant" ? unmarked(conversation.last_message) : flat(conversation.last_message);
    const last = role ? `${WHO[role] || role}: ${words}` : "";
    return el(
      "li",
      { class: `or-item${flags.unread ? " or-is-unread" : ""}` },
      el(
        "a",
        { href: `${ROOM}/conversations/${conversation.session_id}`, "data-nav": "", "data-sid": conversation.session_id },
        el("span", { class: "or-item-head" }, el("strong", { class: "or-who", text: visible(who) }), stamp(conversation.updated_at)),
        el("span", { class: "or-item-first", text: flat(conversation.first_question) }),
        el("span", { class: "or-item-last", text: last }),
        el("span", { class: "or-item-foot" }, el("span", { class: "or-muted", text: count(conversation.turns, "turn") }), marks),
      ),
    );
  }

  async function load() {
    const params = new URLSearchParams({ show: state.show, limit: String(state.limit) });
    if (state.q) params.set("q", state.q);
    let page;
    try {
      page = await api.get(`/conversations?${params}`);
    } catch (error) {
      status.show(error.message, "error");
      return;
    }
    status.clear();
    const text = JSON.stringify(page);
    if (text === state.last) return; // nothing new: leave the list (and the focus in it) alone
    state.last = text;
    const focused = document.activeElement?.dataset?.sid;
    const counts = page.counts;
    summary.textContent = `${count(counts.all, "conversation")}${state.q ? " match" : ""}: ${counts.unread} unread, ${counts.attention} need attention, ${counts.live} live.`;
    renderFilters(counts);
    list.replaceChildren(...page.items.map(item));
    if (!page.items.length) {
      list.append(el("li", { class: "or-empty", text: state.q || state.show !== "all" ? "Nothing matches." : "No conversations yet." }));
    }
    more.hidden = page.total <= page.items.length;
    if (focused) list.querySelector(`[data-sid="${focused}"]`)?.focus();
  }

  let typing = 0;
  search.addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      state.q = search.value.trim();
      state.limit = PAGE;
      remember();
      load();
    }, 300);
  });

  renderFilters({});
  const stop = every(REFRESH_MS, load);
  return () => {
    stop();
    clearTimeout(typing);
  };
}
