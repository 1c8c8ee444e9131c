// The conversation as the visitor sees it: their messages, the twin's (Markdown) and the owner's (in
// person, plain text), kept scrolled to the newest; and a live region that reads news aloud.
import { el } from "./dom.js";
import { renderMarkdown } from "./markdown.js";

/** names(): { twin, owner }, how the twin and its owner are named right now. */
export function conversationLog(names) {
  const node = el("div", { class: "tw-log", role: "region", tabindex: "0", "aria-label": "Conversation" });
  const live = el("div", { class: "tw-sr", "aria-live": "polite", "aria-atomic": "true" });

  function scrollDown() {
    node.scrollTop = node.scrollHeight;
  }

  function add(role, text, { markdown = role === "assistant" } = {}) {
    const body = el("div", { class: "tw-body" });
    if (markdown) body.innerHTML = renderMarkdown(text);
    else body.textContent = text;
    // The owner writes in person: labelled as them, never as the twin (their words are plain text).
    const item =
      role === "owner"
        ? el(
            "div",
            { class: "tw-msg tw-owner" },
            el("span", { class: "tw-owner-name", text: `${names().owner}, in person` }),
            body,
          )
        : el(
            "div",
            { class: `tw-msg tw-${role === "user" ? "user" : "bot"}` },
            el("span", { class: "tw-sr", text: `${role === "user" ? "You" : names().twin}: ` }),
            body,
          );
    node.append(item);
    scrollDown();
    return { item, body };
  }

  function announce(text) {
    live.textContent = "";
    // A fresh text node in the next frame makes screen readers announce repeated messages too.
    requestAnimationFrame(() => {
      live.textContent = text;
    });
  }

  return { node, live, add, clear: () => node.replaceChildren(), scrollDown, announce };
}
