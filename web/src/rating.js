// Thumbs up and down under a finished reply, with the optional "What was wrong?" comment.
import { ApiError } from "./errors.js";
import { el, nextId } from "./dom.js";

// A thumb, drawn for twin; the thumbs-down is the same icon turned over in CSS.
const THUMB =
  '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">' +
  '<path d="M3 10h4v11H3zM7 10l4-7c1.4 0 2.4 1.2 2.1 2.6L12.5 9H19a2 2 0 0 1 2 2.3l-1.2 7A2 2 0 0 1 17.8 21H7"/>' +
  "</svg>";

function feedbackFailure(error, what) {
  if (error instanceof ApiError && error.kind === "rate_limited") {
    return `Your ${what} wasn't sent: too many at once. Try again in ${error.retryAfter} s.`;
  }
  if (error instanceof ApiError && error.kind === "not_found") {
    return `Your ${what} wasn't sent: this conversation is no longer on the server.`;
  }
  return `Your ${what} couldn't be sent. Please try again.`;
}

/** Thumbs for the `reply`-th reply of `sessionId` (from 1), appended to `item`. Votes are sent one
 *  after another, so the server ends with the last; a failed one shows what the server has.
 *  `announce(text)` speaks to screen readers. */
export function addRating(item, { api, sessionId, reply, announce }) {
  let confirmed = null; // the rating the server has for this reply
  let latest = 0;
  let queue = Promise.resolve();
  const note = el("span", { class: "tw-rate-note" });
  const thumb = (rating, label) =>
    el("button", {
      type: "button",
      class: `tw-thumb tw-${rating}`,
      "aria-label": label,
      "aria-pressed": "false",
      onclick: () => choose(rating),
    });
  const buttons = { up: thumb("up", "Good reply"), down: thumb("down", "Bad reply") };
  for (const button of Object.values(buttons)) button.innerHTML = THUMB;
  const whyId = `${nextId()}-why`;
  const why = el("input", { id: whyId, class: "tw-why-input", maxlength: "1000", autocomplete: "off" });
  const whyForm = el(
    "form",
    { class: "tw-why", hidden: true },
    el("label", { for: whyId, text: "What was wrong? (optional)" }),
    why,
    el("button", { type: "submit", class: "tw-tool", text: "Submit" }),
  );
  const group = el("div", { class: "tw-rate", role: "group", "aria-label": "Rate this reply" });
  group.append(buttons.up, buttons.down, note);
  item.append(group, whyForm);

  const press = (rating) => {
    for (const [name, button] of Object.entries(buttons)) {
      button.setAttribute("aria-pressed", String(name === rating));
    }
  };
  const pressed = () =>
    Object.keys(buttons).find((name) => buttons[name].getAttribute("aria-pressed") === "true");

  function vote(rating, comment = "") {
    const ticket = ++latest;
    press(rating);
    note.textContent = "";
    note.classList.remove("tw-rate-fail");
    const sent = queue.then(() => api.feedback(sessionId, reply, rating, comment));
    queue = sent.catch(() => {});
    return sent.then(
      () => {
        confirmed = rating;
        return true;
      },
      (error) => {
        if (ticket !== latest) return false; // a later vote is on its way and decides
        press(confirmed);
        whyForm.hidden = confirmed !== "down" || whyForm.dataset.sent === "true";
        const text = feedbackFailure(error, comment ? "comment" : "rating");
        note.textContent = text;
        note.classList.add("tw-rate-fail");
        announce(text);
        return false;
      },
    );
  }

  function choose(rating) {
    if (pressed() === rating) {
      if (rating === "down" && whyForm.dataset.sent !== "true") whyForm.hidden = false;
      return;
    }
    whyForm.hidden = rating !== "down" || whyForm.dataset.sent === "true";
    vote(rating);
  }

  whyForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const comment = why.value.trim();
    if (!comment) return;
    if (await vote("down", comment)) {
      whyForm.dataset.sent = "true";
      whyForm.hidden = true;
      note.textContent = "Thanks for the feedback.";
      announce("Thanks for the feedback.");
    }
  });
}
