// The owner's room: one script for every page. The server sends the same small document for each
// address; this draws the page the address names, from the JSON API, and follows links in place.
import { el } from "../dom.js";
import { ROOM, api, signOut } from "./api.js";
import { audit } from "./pages/audit.js";
import { conversation } from "./pages/conversation.js";
import { feedback } from "./pages/feedback.js";
import { inbox } from "./pages/inbox.js";
import { instructions } from "./pages/instructions.js";
import { leads } from "./pages/leads.js";
import { questions } from "./pages/questions.js";
import { stats } from "./pages/stats.js";

const NAV = [
  ["", "Inbox", inbox],
  ["questions", "Questions", questions],
  ["instructions", "Instructions", instructions],
  ["leads", "Leads", leads],
  ["feedback", "Feedback", feedback],
  ["stats", "Stats", stats],
  ["audit", "Audit", audit],
];

/** The page an address names: [nav key, page, its parameter]. */
function route(path) {
  const rest = path.replace(/^\/owner\/?/, "").replace(/\/$/, "");
  const match = rest.match(/^conversations\/([A-Za-z0-9_-]{32})$/);
  if (match) return ["", conversation, match[1]];
  const found = NAV.find(([key]) => key === rest);
  return found ? [found[0], found[2], null] : ["", inbox, null];
}

function mountRoom(root) {
  const main = el("main", { id: "or-main", class: "or-main" });
  const links = NAV.map(([key, label]) =>
    el("a", { href: key ? `${ROOM}/${key}` : ROOM, "data-nav": "", "data-key": key, text: label }),
  );
  const owner = el("span", { class: "or-brand-name" });
  const header = el(
    "header",
    { class: "or-top" },
    el("a", { class: "or-skip", href: "#or-main", text: "Skip to content" }),
    el("p", { class: "or-brand" }, el("span", { text: "Owner’s room" }), owner),
    el("nav", { class: "or-nav", "aria-label": "Owner’s room" }, ...links),
    el("button", { type: "button", class: "or-button or-signout", text: "Sign out", onclick: signOut }),
  );
  root.replaceChildren(header, main);

  let leave = null;
  let shown = null;
  async function show(path, { focus = true } = {}) {
    const [key, page, param] = route(path);
    leave?.();
    leave = null;
    for (const a of links) {
      if (a.dataset.key === key) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    }
    main.replaceChildren();
    const current = (shown = {});
    const cleanup = await page(main, { param, query: new URLSearchParams(location.search) });
    if (shown !== current) cleanup?.(); // navigated away while it loaded
    else leave = cleanup || null;
    const title = main.querySelector("h1");
    document.title = `${title ? title.textContent : "Owner’s room"} · Owner’s room`;
    if (focus) title?.focus();
  }

  document.addEventListener("click", (event) => {
    const a = event.target.closest?.("a[data-nav]");
    if (!a || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    const url = new URL(a.href);
    if (url.origin !== location.origin) return;
    event.preventDefault();
    history.pushState(null, "", url.pathname + url.search + url.hash); // the hash: "Answer it" finds its card
    show(url.pathname);
  });
  window.addEventListener("popstate", () => show(location.pathname));

  fetch("/persona", { headers: { Accept: "application/json" } })
    .then((response) => (response.ok ? response.json() : null))
    .then((card) => {
      if (card?.name) owner.textContent = card.full_name || card.name;
    })
    .catch(() => {});
  show(location.pathname, { focus: false });
}

/** The sign-in page: a browser that arrived from another site (an email's link) did not send the
 *  SameSite=Strict session cookie; asking from this page sends it, and a live session goes on. */
async function signInPage() {
  if (await api.signedIn()) {
    const next = document.querySelector('input[name="next"]')?.value || ROOM;
    location.replace(next);
  }
}

const room = document.getElementById("room");
if (room) mountRoom(room);
else if (document.getElementById("sign-in")) signInPage();
