// The questions the twin could not answer: answer one (the twin answers from it at once), change an
// answer, or dismiss the question.
import { el, nextId } from "../../dom.js";
import { ROOM, api } from "../api.js";
import { count } from "../text.js";
import { button, empty, heading, link, notice, plain, stamp } from "../ui.js";

const TABS = [
  ["open", "Open"],
  ["answered", "Answered"],
  ["dismissed", "Dismissed"],
];
const MAX_CHARS = 4000;

export async function questions(main, { query }) {
  let status = query.get("status") || "open";
  if (!TABS.some(([key]) => key === status)) status = "open";
  const said = notice();
  const tabs = el("div", { class: "or-filters", role: "group", "aria-label": "Which questions" });
  const list = el("ul", { class: "or-cards", "aria-label": "Questions" });
  main.append(
    heading("Questions"),
    el("p", { class: "or-lead", text: "What visitors asked that your sources do not answer. Your answer becomes something the twin knows, at once." }),
    tabs,
    said.node,
    list,
  );

  function renderTabs() {
    tabs.replaceChildren(
      ...TABS.map(([key, label]) =>
        el("button", {
          type: "button",
          class: "or-filter",
          "aria-pressed": String(key === status),
          text: label,
          onclick: () => {
            status = key;
            history.replaceState(null, "", `${ROOM}/questions?status=${key}`);
            renderTabs();
            load();
          },
        }),
      ),
    );
  }

  function card(q) {
    const id = nextId();
    const answer = el("textarea", { id, class: "or-input", rows: "3", maxlength: String(MAX_CHARS) });
    answer.value = q.answer || "";
    const save = el("button", { type: "submit", class: "or-button or-primary", text: q.status === "answered" ? "Save answer" : "Answer" });
    const form = el(
      "form",
      { class: "or-answer" },
      el("label", { for: id, class: "or-label", text: q.status === "answered" ? "Your answer" : "Answer in your own words (first person)" }),
      answer,
      el(
        "div",
        { class: "or-actions" },
        save,
        q.status === "dismissed" ? null : button("Dismiss", () => decide(q, "dismiss"), { kind: "or-quiet" }),
      ),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const text = answer.value.trim();
      if (!text) {
        said.show("Write an answer first.", "error");
        answer.focus();
        return;
      }
      await decide(q, "answer", { answer: text });
    });
    const sessions = q.sessions.slice(-3).reverse();
    return el(
      "li",
      { class: "or-card or-question", id: `q-${q.id}` },
      plain(q.question, "p", { class: "or-card-title or-text" }),
      el(
        "p",
        { class: "or-muted" },
        `Asked ${count(q.count, "time")}, last `,
        stamp(q.last_seen),
        q.answered_at ? ". Answered " : "",
        q.answered_at ? stamp(q.answered_at) : "",
      ),
      sessions.length
        ? el("p", { class: "or-links" }, "From ", ...sessions.flatMap((sid, i) => [i ? ", " : "", link(`${ROOM}/conversations/${sid}`, `conversation ${sid.slice(0, 6)}`)]))
        : null,
      form,
    );
  }

  async function decide(q, what, body) {
    try {
      await api.send("POST", `/questions/${q.id}/${what}`, body);
    } catch (error) {
      said.show(error.message, "error");
      return;
    }
    said.show(what === "dismiss" ? "Dismissed." : "Answered: the twin answers from your words from now on.", "ok");
    await load();
  }

  async function load() {
    let found;
    try {
      found = await api.get(`/questions?status=${status}`);
    } catch (error) {
      said.show(error.message, "error");
      return;
    }
    list.replaceChildren(...found.questions.map(card));
    if (!found.questions.length) list.append(el("li", {}, empty(status === "open" ? "No open questions: the twin knew every answer." : `No ${status} questions.`)));
    if (location.hash) document.getElementById(location.hash.slice(1))?.scrollIntoView();
  }

  renderTabs();
  await load();
}
