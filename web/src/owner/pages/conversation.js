// One conversation: its messages with the events inside them, what the visitor left, and stepping in
// live. While the page is open it polls with the conversation's ETag, so a poll where nothing changed
// is a 304 with no body; joined, it polls every second.
import { el } from "../../dom.js";
import { ROOM, api } from "../api.js";
import { count, countdown, visible, when } from "../text.js";
import { button, confirmAction, empty, every, heading, link, markdown, notice, plain, stamp } from "../ui.js";

const JOINED_MS = 1000;
const WATCHING_MS = 2000;
// Votes and failed turns change no message: read everything again this often.
const FULL_MS = 30000;
const MAX_CHARS = 4000;

const EVENTS = {
  contact_recorded: "Contact recorded",
  question_recorded: "Question recorded for you",
  answered_offline: "Answered offline: the model failed",
  spend_cap_reached: "Spend cap reached: answered offline",
  turn_failed: "A turn failed",
};

export async function conversation(main, { param: sessionId }) {
  const title = heading("Conversation");
  const sub = el("p", { class: "or-lead" });
  const status = notice(); // what became of the owner's last action
  const connection = notice(); // whether the page can still read the conversation
  const presence = el("div", { class: "or-presence", role: "status" });
  const joinButton = button("Step in live", () => act("join"), { kind: "or-primary" });
  const leaveButton = button("Leave: the twin answers again", () => act("leave"));
  const deleteButton = button("Delete conversation", remove, { kind: "or-danger" });
  const log = el("ol", { class: "or-log", "aria-label": "Messages" });
  const announcer = el("div", { class: "or-sr", "aria-live": "polite" });
  const side = el("aside", { class: "or-side", "aria-label": "Left in this conversation" });
  const input = el("textarea", {
    id: "or-say",
    class: "or-input or-say",
    rows: "3",
    maxlength: String(MAX_CHARS),
    placeholder: "Write to the visitor in person…",
  });
  const sendButton = el("button", { type: "submit", class: "or-button or-primary", text: "Send" });
  const composer = el(
    "form",
    { class: "or-composer", hidden: true },
    el("label", { for: "or-say", class: "or-label", text: "Your message (the visitor sees it as from you)" }),
    input,
    el("div", { class: "or-actions" }, sendButton),
  );
  main.append(
    link(ROOM, "← Inbox", { class: "or-back" }),
    title,
    sub,
    connection.node,
    status.node,
    el("div", { class: "or-toolbar" }, joinButton, leaveButton, deleteButton),
    presence,
    el("div", { class: "or-columns" }, el("section", { class: "or-thread", "aria-label": "Conversation" }, log, composer), side),
    announcer,
  );

  const state = { etag: null, detail: null, seen: -1, fullAt: 0, busy: false };

  function render(detail) {
    const first = state.detail === null;
    state.detail = detail;
    const contact = detail.contacts[0];
    title.textContent = contact ? visible(contact.email) : `Visitor ${sessionId.slice(0, 6)}`;
    sub.textContent = `Started ${when(detail.started_at)} · ${count(detail.messages.filter((m) => m.role === "user").length, "message")} from the visitor`;
    renderLog(detail);
    renderSide(detail);
    renderPresence();
    // New visitor messages are read out while the owner is in the conversation.
    const fresh = detail.messages.filter((m) => m.index > state.seen && m.role === "user");
    if (!first && detail.presence && fresh.length) announcer.textContent = `Visitor: ${visible(fresh.at(-1).content)}`;
    state.seen = detail.messages.length - 1;
  }

  function bubble(message) {
    const who =
      message.role === "user" ? "Visitor" : message.role === "owner" ? "You, in person" : `Twin · reply ${message.reply}`;
    const body = message.role === "assistant" ? markdown(message.content) : plain(message.content, "div");
    return el(
      "li",
      { class: `or-msg or-${message.role}`, id: `m${message.index}` },
      el("p", { class: "or-msg-meta" }, el("span", { text: who }), " · ", stamp(message.timestamp)),
      body,
    );
  }

  function event(item) {
    let text = EVENTS[item.kind] || item.kind;
    if (item.kind === "feedback") text = `${item.rating === "down" ? "Voted down" : "Voted up"} (reply ${item.reply})`;
    const line = el("li", { class: `or-event or-event-${item.kind}${item.rating ? ` or-${item.rating}` : ""}` }, el("span", { text }));
    if (item.detail && item.kind === "feedback") line.append(plain(`“${item.detail}”`, "span", { class: "or-event-detail or-text" }));
    else if (item.detail) line.append(el("span", { class: "or-event-detail", text: `(${item.detail})` }));
    line.append(" ", stamp(item.at));
    return line;
  }

  function renderLog(detail) {
    const items = [];
    const after = new Map();
    for (const item of detail.events) {
      if (!after.has(item.after)) after.set(item.after, []);
      after.get(item.after).push(item);
    }
    for (const item of after.get(-1) || []) items.push(event(item));
    for (const message of detail.messages) {
      items.push(bubble(message));
      for (const item of after.get(message.index) || []) items.push(event(item));
    }
    if (!detail.messages.length) items.push(el("li", { class: "or-empty", text: "No messages." }));
    const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    log.replaceChildren(...items);
    if (atBottom) log.scrollTop = log.scrollHeight;
  }

  function renderSide(detail) {
    const parts = [el("h2", { class: "or-subtitle", text: "Left in this conversation" })];
    if (!detail.contacts.length && !detail.questions.length) parts.push(empty("No contact or question yet."));
    for (const c of detail.contacts) {
      parts.push(
        el(
          "div",
          { class: "or-card" },
          el("p", { class: "or-card-title" }, el("a", { href: `mailto:${c.email}`, text: visible(c.email) })),
          c.name ? plain(c.name) : null,
          c.note ? plain(c.note, "p", { class: "or-muted or-text" }) : null,
        ),
      );
    }
    for (const q of detail.questions) {
      parts.push(
        el(
          "div",
          { class: "or-card" },
          plain(q.question, "p", { class: "or-card-title or-text" }),
          el("p", { class: "or-muted", text: q.status === "open" ? "Open: the twin could not answer it." : `Status: ${q.status}` }),
          link(`${ROOM}/questions?status=${q.status}#q-${q.id}`, q.status === "open" ? "Answer it" : "See the answer"),
        ),
      );
    }
    side.replaceChildren(...parts);
  }

  function renderPresence() {
    const detail = state.detail;
    if (!detail) return;
    const here = detail.presence;
    joinButton.hidden = Boolean(here);
    leaveButton.hidden = !here;
    composer.hidden = !here;
    presence.dataset.kind = here ? "in" : "out";
    presence.textContent = here
      ? `You are in this conversation: the twin stays silent. It answers again if you write nothing for ${countdown(here.until)} (or when you leave).`
      : "The twin answers this visitor. Step in to write to them yourself.";
  }

  async function refresh() {
    const full = Date.now() - state.fullAt > FULL_MS;
    let result;
    try {
      result = await api.get(`/conversations/${sessionId}`, { etag: full ? null : state.etag, withEtag: true });
    } catch (error) {
      connection.show(error.status === 404 ? "This conversation does not exist (any more)." : error.message, "error");
      if (error.status === 404) stop();
      return;
    }
    connection.clear();
    if (result.unchanged) {
      renderPresence();
      return;
    }
    state.etag = result.etag;
    if (full) state.fullAt = Date.now();
    render(result.data);
  }

  async function act(what) {
    if (state.busy) return;
    state.busy = true;
    status.clear();
    try {
      const detail = await api.send("POST", `/conversations/${sessionId}/${what}`);
      state.etag = null;
      render(detail);
      if (what === "join") input.focus();
      else joinButton.focus();
    } catch (error) {
      status.show(error.message, "error");
    } finally {
      state.busy = false;
    }
  }

  async function send(event) {
    event?.preventDefault();
    const content = input.value.trim();
    if (!content || state.busy) return;
    state.busy = true;
    status.clear();
    sendButton.disabled = true;
    try {
      const detail = await api.send("POST", `/conversations/${sessionId}/messages`, { content });
      input.value = "";
      state.etag = null;
      render(detail);
    } catch (error) {
      status.show(error.message, "error");
      if (error.status === 409) renderPresence();
    } finally {
      state.busy = false;
      sendButton.disabled = false;
      input.focus();
    }
  }

  async function remove() {
    const sure = await confirmAction({
      title: "Delete this conversation?",
      text: "It is erased as if the visitor had deleted it; this cannot be undone.",
      confirm: "Delete",
    });
    if (!sure) return;
    try {
      await api.send("DELETE", `/conversations/${sessionId}`);
    } catch (error) {
      status.show(error.message, "error");
      return;
    }
    stop();
    history.pushState(null, "", ROOM);
    window.dispatchEvent(new PopStateEvent("popstate"));
  }

  composer.addEventListener("submit", send);
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) send(event);
  });
  joinButton.hidden = leaveButton.hidden = true;

  let stopPoll = every(WATCHING_MS, refresh);
  let cadence = WATCHING_MS;
  const ticker = setInterval(() => {
    renderPresence();
    const wanted = state.detail?.presence ? JOINED_MS : WATCHING_MS;
    if (wanted !== cadence) {
      cadence = wanted;
      stopPoll();
      stopPoll = every(cadence, refresh);
    }
  }, 500);
  function stop() {
    stopPoll();
    clearInterval(ticker);
  }
  return stop;
}
