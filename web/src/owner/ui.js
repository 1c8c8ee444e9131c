// Small pieces every page of the room uses: headings, notices, links, buttons, polling, confirmation.
import { el } from "../dom.js";
import { renderMarkdown } from "../markdown.js";
import { ROOM } from "./api.js";
import { ago, visible, when } from "./text.js";

/** The page's heading: focused after navigation so screen readers announce the new page. */
export function heading(text, level = 1) {
  return el(`h${level}`, { class: level === 1 ? "or-title" : "or-subtitle", tabindex: level === 1 ? "-1" : null, text });
}

/** A link to another page of the room, followed without reloading. */
export function link(path, text, attrs = {}) {
  return el("a", { href: path.startsWith("/") ? path : `${ROOM}/${path}`, "data-nav": "", ...attrs }, text);
}

export function button(text, onclick, { kind = "", ...attrs } = {}) {
  return el("button", { type: "button", class: `or-button ${kind}`.trim(), onclick, ...attrs }, text);
}

/** A time as "3 minutes ago", with the full date as its tooltip and machine-readable value. */
export function stamp(iso) {
  return el("time", { datetime: iso, title: when(iso), text: ago(iso) });
}

/** A visitor's (or a model's) words, as plain text with hidden characters made visible. */
export function plain(text, tag = "p", attrs = {}) {
  return el(tag, { class: "or-text", ...attrs, text: visible(text) });
}

/** A model's reply as one line of plain text (a preview): its Markdown rendered, sanitised and read
 *  back as text inside an inert <template>, so nothing in it loads or runs. */
export function unmarked(text) {
  const inert = document.createElement("template");
  inert.innerHTML = renderMarkdown(visible(text));
  return inert.content.textContent.replace(/\s+/g, " ").trim();
}

/** A model's reply: sanitised Markdown, its hidden characters made visible first. */
export function markdown(text) {
  const body = el("div", { class: "or-md" });
  body.innerHTML = renderMarkdown(visible(text));
  return body;
}

export function badge(text, kind = "") {
  return el("span", { class: `or-badge ${kind}`.trim(), text });
}

/** A status line the page updates ("Saved.", errors); announced politely. */
export function notice() {
  const node = el("p", { class: "or-notice", role: "status", hidden: true });
  return {
    node,
    show(text, kind = "info") {
      node.textContent = text;
      node.dataset.kind = kind;
      node.hidden = false;
    },
    clear() {
      node.hidden = true;
      node.textContent = "";
    },
  };
}

export function empty(text) {
  return el("p", { class: "or-empty", text });
}

/** Run `task` now and then every `ms` while the page is visible; returns stop(). */
export function every(ms, task) {
  let timer = 0;
  let stopped = false;
  const tick = async () => {
    timer = 0;
    if (stopped || document.visibilityState === "hidden") return;
    try {
      await task();
    } finally {
      if (!stopped && !timer) timer = setTimeout(tick, ms);
    }
  };
  const wake = () => {
    if (document.visibilityState === "visible" && !timer && !stopped) tick();
  };
  document.addEventListener("visibilitychange", wake);
  tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
    document.removeEventListener("visibilitychange", wake);
  };
}

/** Ask before something that cannot be undone; resolves true when confirmed. A modal <dialog>:
 *  focus stays inside, Escape cancels, focus returns to where it was. */
export function confirmAction({ title, text, confirm }) {
  return new Promise((resolve) => {
    const back = document.activeElement;
    const dialog = el(
      "dialog",
      { class: "or-dialog", "aria-labelledby": "or-dialog-title" },
      el("h2", { id: "or-dialog-title", text: title }),
      el("p", { text }),
    );
    const done = (answer) => {
      dialog.close();
      dialog.remove();
      back?.focus?.();
      resolve(answer);
    };
    const cancel = button("Cancel", () => done(false));
    dialog.append(el("div", { class: "or-actions" }, cancel, button(confirm, () => done(true), { kind: "or-danger" })));
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      done(false);
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}
