// The chat's message box: the text, its count against the persona's limit, and the Send button, which
// is enabled only when there are words to send that fit and the chat can take them. Enter sends,
// Shift+Enter starts a new line.
import { el } from "./dom.js";

/**
 * id: the chat's id prefix; limit(): the most characters a message may have (Infinity while unknown);
 * canSend(): whether the chat can take a message now; onSend(text): called with the box's words.
 */
export function messageComposer({ id, limit, canSend, onSend }) {
  const input = el("textarea", {
    id: `${id}-input`,
    class: "tw-input",
    rows: "2",
    placeholder: "Ask me anything…",
    "aria-describedby": `${id}-count`,
    autocomplete: "off",
  });
  const label = el("label", { class: "tw-sr", for: `${id}-input`, text: "Your message" });
  const count = el("p", { class: "tw-count", id: `${id}-count` });
  const sendButton = el("button", { type: "submit", class: "tw-send", text: "Send" });
  const node = el("form", { class: "tw-form" }, label, input, sendButton, count);

  /** The count and the Send button, after the words or the chat's state changed. */
  function update() {
    const length = input.value.length;
    const max = limit();
    const tooLong = length > max;
    count.textContent = Number.isFinite(max)
      ? tooLong
        ? `Too long: ${length} of at most ${max} characters. Please shorten it.`
        : `${length} / ${max} characters`
      : "";
    count.classList.toggle("tw-over", tooLong);
    input.setAttribute("aria-invalid", tooLong ? "true" : "false");
    sendButton.disabled = !canSend() || !input.value.trim() || tooLong;
  }

  node.addEventListener("submit", (event) => {
    event.preventDefault();
    onSend(input.value);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      onSend(input.value);
    }
  });
  input.addEventListener("input", update);

  return { node, input, update };
}
