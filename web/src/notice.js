// The chat's status line: an error, a wait or news, with a Retry button when there is something to
// try again.
import { el } from "./dom.js";

export function chatNotice() {
  const text = el("p", { class: "tw-notice-text" });
  const retryButton = el("button", { type: "button", class: "tw-retry", text: "Retry", hidden: true });
  const node = el("div", { class: "tw-notice", role: "status", hidden: true }, text, retryButton);
  let retry = null;
  retryButton.addEventListener("click", () => retry?.());
  return {
    node,
    /** kind: "error", "wait" (until a rate limit passes) or "info"; `again`: what Retry does (none: no button). */
    show(message, { again = null, kind = "error" } = {}) {
      text.textContent = message;
      node.dataset.kind = kind;
      node.hidden = false;
      retry = again;
      retryButton.hidden = !again;
    },
    clear() {
      node.hidden = true;
      text.textContent = "";
      retry = null;
      retryButton.hidden = true;
    },
    /** The kind shown, or null when nothing is. */
    get kind() {
      return node.hidden ? null : node.dataset.kind;
    },
  };
}
