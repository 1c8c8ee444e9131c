// The audit trail: what was done in the room, when, and from which address.
import { el } from "../../dom.js";
import { ROOM, api } from "../api.js";
import { heading, link, notice, plain, stamp } from "../ui.js";

const ACTIONS = {
  sign_in: "Signed in",
  sign_in_refused: "Sign-in refused",
  sign_out: "Signed out",
  answer: "Answered a question",
  dismiss: "Dismissed a question",
  delete: "Deleted a conversation",
  join: "Stepped into a conversation",
  leave: "Left a conversation",
  instructions: "Edited the instructions",
};

function target(entry) {
  if (/^[A-Za-z0-9_-]{32}$/.test(entry.target)) {
    return link(`${ROOM}/conversations/${entry.target}`, `conversation ${entry.target.slice(0, 6)}`);
  }
  if (entry.action === "answer" || entry.action === "dismiss") {
    return link(`${ROOM}/questions?status=${entry.action === "answer" ? "answered" : "dismissed"}#q-${entry.target}`, `question ${entry.target}`);
  }
  return document.createTextNode(entry.target);
}

export async function audit(main) {
  const said = notice();
  const body = el("tbody");
  main.append(
    heading("Audit trail"),
    el("p", { class: "or-lead", text: "Everything done in this room, newest first (the last 200 entries)." }),
    said.node,
    el(
      "div",
      { class: "or-scroll", tabindex: "0", role: "region", "aria-label": "Audit trail table" },
      el(
        "table",
        { class: "or-table" },
        el("caption", { class: "or-sr", text: "Owner actions, newest first" }),
        el("thead", {}, el("tr", {}, ...["When", "Action", "About", "Detail", "Address"].map((h) => el("th", { scope: "col", text: h })))),
        body,
      ),
    ),
  );
  let found;
  try {
    found = await api.get("/audit");
  } catch (error) {
    said.show(error.message, "error");
    return;
  }
  for (const entry of found.entries) {
    body.append(
      el(
        "tr",
        { class: entry.action === "sign_in_refused" ? "or-warn" : "" },
        el("td", {}, stamp(entry.at)),
        el("td", { text: ACTIONS[entry.action] || entry.action }),
        el("td", {}, target(entry)),
        el("td", {}, plain(entry.detail, "span")),
        el("td", {}, plain(entry.ip, "span")),
      ),
    );
  }
  if (!found.entries.length) body.append(el("tr", {}, el("td", { colspan: "5", class: "or-empty", text: "Nothing yet." })));
}
