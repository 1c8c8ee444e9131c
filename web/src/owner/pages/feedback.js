// Visitors' votes on the twin's replies, with the reply and the question it answered.
import { el } from "../../dom.js";
import { ROOM, api } from "../api.js";
import { count } from "../text.js";
import { badge, heading, link, notice, plain, stamp } from "../ui.js";

export async function feedback(main, { query }) {
  let only = query.get("rating") === "down" ? "down" : "all";
  const said = notice();
  const summary = el("p", { class: "or-lead" });
  const filters = el("div", { class: "or-filters", role: "group", "aria-label": "Show" });
  const list = el("ul", { class: "or-cards", "aria-label": "Votes" });
  main.append(heading("Feedback"), summary, filters, said.node, list);
  let votes = [];

  function render() {
    filters.replaceChildren(
      ...[
        ["all", "All votes"],
        ["down", "Voted down"],
      ].map(([key, label]) =>
        el("button", {
          type: "button",
          class: "or-filter",
          "aria-pressed": String(only === key),
          text: label,
          onclick: () => {
            only = key;
            history.replaceState(null, "", key === "down" ? `${ROOM}/feedback?rating=down` : `${ROOM}/feedback`);
            render();
          },
        }),
      ),
    );
    const shown = votes.filter((v) => only === "all" || v.rating === "down");
    list.replaceChildren(
      ...shown.map((v) =>
        el(
          "li",
          { class: `or-card or-vote or-${v.rating}` },
          el("p", { class: "or-card-title" }, badge(v.rating === "up" ? "Good reply" : "Bad reply", v.rating === "up" ? "or-up" : "or-down"), " ", stamp(v.at)),
          v.comment ? plain(`“${v.comment}”`, "p", { class: "or-quote or-text" }) : null,
          v.question ? el("div", { class: "or-excerpt" }, el("p", { class: "or-muted", text: "Visitor asked" }), plain(v.question)) : null,
          v.reply_text
            ? el("div", { class: "or-excerpt" }, el("p", { class: "or-muted", text: `Twin’s reply ${v.reply}` }), plain(v.reply_text))
            : el("p", { class: "or-muted", text: "The conversation has been erased." }),
          v.reply_text ? link(`${ROOM}/conversations/${v.session_id}`, "Open the conversation") : null,
        ),
      ),
    );
    if (!shown.length) list.append(el("li", { class: "or-empty", text: "No votes yet." }));
  }

  try {
    votes = (await api.get("/feedback")).votes;
  } catch (error) {
    said.show(error.message, "error");
    return;
  }
  const up = votes.filter((v) => v.rating === "up").length;
  summary.textContent = `${count(votes.length, "vote")}: ${up} up, ${votes.length - up} down.`;
  render();
}
