// Visitors who left an email to be contacted, and the CSV the owner takes elsewhere.
import { el } from "../../dom.js";
import { ROOM, api } from "../api.js";
import { heading, link, notice, plain, stamp } from "../ui.js";
import { visible } from "../text.js";

export async function leads(main) {
  const said = notice();
  const body = el("tbody");
  const table = el(
    "table",
    { class: "or-table" },
    el("caption", { class: "or-sr", text: "Leads, newest first" }),
    el("thead", {}, el("tr", {}, ...["Email", "Name", "Note", "Times", "Last seen", "Conversations"].map((h) => el("th", { scope: "col", text: h })))),
    body,
  );
  main.append(
    heading("Leads"),
    el("p", { class: "or-lead", text: "Visitors who want you to get in touch. Personal data: handle with care." }),
    el("p", {}, el("a", { class: "or-button", href: `${ROOM}/api/leads.csv`, download: "", text: "Download CSV" })),
    said.node,
    el("div", { class: "or-scroll", tabindex: "0", role: "region", "aria-label": "Leads table" }, table),
  );
  let found;
  try {
    found = await api.get("/leads");
  } catch (error) {
    said.show(error.message, "error");
    return;
  }
  for (const lead of found.leads) {
    body.append(
      el(
        "tr",
        {},
        el("td", {}, el("a", { href: `mailto:${lead.email}`, text: visible(lead.email) })),
        el("td", {}, plain(lead.name, "span")),
        el("td", {}, plain(lead.note, "span")),
        el("td", { class: "or-num", text: String(lead.count) }),
        el("td", {}, stamp(lead.last_seen)),
        el("td", {}, ...lead.sessions.slice(-3).reverse().flatMap((sid, i) => [i ? ", " : "", link(`${ROOM}/conversations/${sid}`, sid.slice(0, 6))])),
      ),
    );
  }
  if (!found.leads.length) body.append(el("tr", {}, el("td", { colspan: "6", class: "or-empty", text: "No leads yet." })));
}
