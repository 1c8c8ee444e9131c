// The chat itself, shared by the page and the widget: mountChat(container, options) builds it inside
// any element (in the document or in a shadow root) and talks to the API through Api.
import { Api, newIdempotencyKey } from "./api.js";
import { messageComposer } from "./composer.js";
import { el, nextId } from "./dom.js";
import { messageFor } from "./errors.js";
import { conversationLog } from "./log.js";
import { renderMarkdown } from "./markdown.js";
import { chatNotice } from "./notice.js";
import { ownerPresence } from "./presence.js";
import { addRating } from "./rating.js";
import { storageKey, store } from "./storage.js";

/**
 * options: apiUrl ("" = same origin), streamUrl (where replies stream from, "" = the API), greeting
 * (overrides the persona's), headingLevel (1 on the page), onClose (the widget's close button),
 * onReady(card).
 */
export function mountChat(container, options = {}) {
  const api = new Api(options.apiUrl || "", options.streamUrl || "");
  const key = storageKey(api);
  const id = nextId();
  // replies: the twin's replies in the session so far, which numbers them for feedback (1 = the first);
  // null while unknown (the history could not be loaded), when new replies cannot be rated.
  const state = {
    card: null,
    ready: false, // the card and any stored history are on screen: messages can go
    sendWhenReady: false, // the visitor sent before that: what the input holds goes once it is
    sessionId: store.get(key),
    busy: false,
    messages: 0,
    replies: 0,
    waitUntil: 0,
    unsent: null, // { text, key } of the last message that failed, to send again under the same key
  };

  const heading = el(`h${options.headingLevel || 2}`, { class: "tw-name", id: `${id}-name`, text: "Loading…" });
  const headline = el("p", { class: "tw-headline" });
  const avatar = el("div", { class: "tw-avatar", "aria-hidden": "true" });
  const newButton = el("button", { type: "button", class: "tw-tool", text: "New conversation" });
  const deleteButton = el("button", { type: "button", class: "tw-tool", text: "Delete my conversation" });
  const closeButton = options.onClose
    ? el("button", { type: "button", class: "tw-tool tw-close", "aria-label": "Close chat", text: "✕" })
    : null;
  const notice = chatNotice();
  const offline = el("p", { class: "tw-offline", hidden: true });
  const log = conversationLog(() => ({
    twin: state.card ? `${state.card.name}'s twin` : "The twin",
    owner: ownerName(),
  }));
  const { announce } = log;
  const owner = ownerPresence({
    api,
    log,
    announce,
    ownerName,
    sessionId: () => state.sessionId,
    canStepIn: () => Boolean(state.card?.owner_can_step_in),
    onMessage: () => {
      state.messages += 1;
    },
  });
  const suggestions = el("div", { class: "tw-suggest", role: "group", "aria-label": "Suggested questions" });
  const composer = messageComposer({
    id,
    limit: () => (state.card ? state.card.max_message_chars : Infinity),
    canSend: () => state.ready && !state.busy && Date.now() >= state.waitUntil,
    onSend: (text) => send(text),
  });
  const { input } = composer;

  const root = el(
    "section",
    { class: "tw", "aria-labelledby": `${id}-name` },
    el(
      "header",
      { class: "tw-head" },
      avatar,
      el("div", { class: "tw-who" }, heading, headline),
      closeButton,
      el("div", { class: "tw-tools" }, newButton, deleteButton),
    ),
    offline,
    owner.node,
    notice.node,
    log.node,
    suggestions,
    composer.node,
    log.live,
  );
  container.append(root);

  // ---------------------------------------------------------------- rendering

  function ownerName() {
    return state.card ? state.card.name : "The owner";
  }

  function rate(item, sessionId, reply) {
    addRating(item, { api, sessionId, reply, announce });
    log.scrollDown();
  }

  function renderSuggestions() {
    suggestions.replaceChildren();
    const questions = state.card && state.messages === 0 ? state.card.suggested_questions : [];
    for (const question of questions) {
      suggestions.append(
        el("button", { type: "button", class: "tw-chip", text: question, onclick: () => send(question) }),
      );
    }
    suggestions.hidden = questions.length === 0;
  }

  /** What shows whether the chat can take a message: the busy look and the message box. */
  function updateComposer() {
    root.classList.toggle("tw-busy", state.busy);
    composer.update();
  }

  function updateTools() {
    deleteButton.hidden = !state.sessionId;
    newButton.hidden = state.messages === 0 && !state.sessionId;
  }

  function resetLog() {
    log.clear();
    state.messages = 0;
    state.replies = 0;
    owner.reset();
    const greeting = options.greeting || state.card?.greeting;
    if (greeting) log.add("assistant", greeting);
    renderSuggestions();
    updateTools();
  }

  function setSession(sessionId) {
    state.sessionId = sessionId;
    store.set(key, sessionId);
    updateTools();
  }

  // ---------------------------------------------------------------- start-up

  async function start() {
    notice.clear();
    heading.textContent = "Loading…";
    try {
      state.card = await api.persona();
    } catch (error) {
      heading.textContent = options.title || "Chat";
      notice.show(`${messageFor(error)}`, { again: start });
      return;
    }
    const card = state.card;
    heading.textContent = card.full_name || card.name;
    headline.textContent = card.headline || "";
    avatar.replaceChildren();
    if (card.avatar_url) avatar.append(el("img", { src: card.avatar_url, alt: "" }));
    else avatar.textContent = (card.name || "?").slice(0, 1).toUpperCase();
    input.placeholder = `Ask ${card.name} anything…`;
    offline.hidden = !card.offline;
    offline.textContent = card.offline
      ? `Offline mode: no language model is connected, so replies are passages from ${card.name}'s own ` +
        "words rather than a conversation."
      : "";
    resetLog();
    if (state.sessionId) await restore();
    state.ready = true;
    updateComposer();
    if (state.sessionId) owner.watch();
    options.onReady?.(card);
    if (state.sendWhenReady) {
      state.sendWhenReady = false;
      send(input.value);
    }
  }

  async function restore() {
    let view;
    try {
      view = await api.conversation(state.sessionId);
    } catch (error) {
      notice.show(`Your earlier conversation could not be loaded. ${messageFor(error)}`, { again: restore });
      state.replies = null; // new replies' numbers are unknown until it loads
      return;
    }
    notice.clear();
    if (view === null) {
      setSession(null);
      return;
    }
    resetLog();
    const messages = view.messages;
    for (const message of messages) {
      const { item } = log.add(message.role, message.content);
      if (message.role === "assistant") rate(item, state.sessionId, ++state.replies);
    }
    state.messages = messages.length;
    owner.restore(messages, Boolean(view.owner_present));
    renderSuggestions();
    updateTools();
  }

  // ---------------------------------------------------------------- sending

  function waitFor(seconds) {
    state.waitUntil = Date.now() + seconds * 1000;
    updateComposer();
    setTimeout(
      () => {
        if (Date.now() >= state.waitUntil) {
          state.waitUntil = 0;
          if (notice.kind === "wait") notice.clear();
          updateComposer();
        }
      },
      seconds * 1000 + 50,
    );
  }

  async function send(text) {
    text = text.trim();
    if (text && !state.ready) {
      state.sendWhenReady = true; // the words stay in the input and go once the twin is ready
      return;
    }
    if (!text || state.busy || Date.now() < state.waitUntil) return;
    if (text.length > state.card.max_message_chars) {
      updateComposer();
      return;
    }
    notice.clear();
    state.busy = true;
    input.value = "";
    updateComposer();
    input.focus();
    const previous = state.sessionId;
    // The key names this message to the server. The same words sent again after a failure (Retry, or
    // Send with the words put back) keep their key, so a turn the server stored anyway comes back once.
    const idempotencyKey = state.unsent?.text === text ? state.unsent.key : newIdempotencyKey();
    const question = log.add("user", text, { markdown: false });
    state.messages += 1;
    renderSuggestions();
    const { item, body } = log.add("assistant", "");
    item.classList.add("tw-typing");
    body.append(el("span", { class: "tw-dots", "aria-hidden": "true" }, el("i"), el("i"), el("i")));
    body.append(el("span", { class: "tw-sr", text: "Typing…" }));
    if (owner.present) item.hidden = true; // the owner answers in person, not the twin
    else announce(`${state.card.name}'s twin is typing…`);
    let reply = "";
    let frame = 0;
    let expired = false;
    const paint = () => {
      frame = 0;
      item.classList.remove("tw-typing"); // the indicator goes as the first text appears
      body.innerHTML = renderMarkdown(reply);
      log.scrollDown();
    };
    try {
      const done = await api.chat(text, state.sessionId, {
        session: (sessionId) => setSession(sessionId),
        delta: (piece) => {
          reply += piece;
          if (!frame) frame = requestAnimationFrame(paint);
        },
      }, idempotencyKey);
      if (frame) cancelAnimationFrame(frame);
      state.unsent = null;
      owner.watch();
      if (done.owner_present) {
        // The owner is in the conversation in person: the message went to them, the twin stayed silent.
        item.remove();
        owner.show(true);
        announce(`Sent to ${ownerName()}.`);
        return;
      }
      owner.show(false);
      reply = done.response;
      paint();
      state.messages += 1;
      // The server numbers the reply (other tabs may share the session); older servers do not.
      if (done.reply) state.replies = done.reply;
      else if (state.replies !== null) state.replies += 1;
      if (state.replies !== null) rate(item, done.session_id, state.replies);
      announce(`${state.card.name}'s twin: ${body.textContent}`);
    } catch (error) {
      if (frame) cancelAnimationFrame(frame);
      item.remove();
      question.item.remove();
      state.messages -= 1;
      // A failed turn is not stored, so a session it would have started does not exist either.
      setSession(previous);
      renderSuggestions();
      expired = error.kind === "not_found" && Boolean(previous);
      state.unsent = { text, key: idempotencyKey };
      if (!expired) failed(error, text);
    } finally {
      state.busy = false;
      updateComposer();
      updateTools();
    }
    if (expired) {
      // The server no longer knows this conversation (deleted or expired): start a new one with it.
      setSession(null);
      resetLog();
      await send(text);
      if (notice.kind) return;
      notice.show("Your earlier conversation had expired, so this one starts afresh.", { kind: "info" });
    }
  }

  function failed(error, text) {
    // Give the visitor their words back to send again.
    if (!input.value) input.value = text;
    const retry = () => {
      input.value = "";
      return send(text); // same words, same key: if the first attempt was stored, its reply comes back
    };
    if (error.kind === "rate_limited") {
      notice.show(messageFor(error), { kind: "wait" });
      waitFor(error.retryAfter);
    } else if (error.kind === "too_long" || error.kind === "invalid") {
      notice.show(messageFor(error));
    } else {
      notice.show(messageFor(error), { again: retry });
    }
    announce(messageFor(error));
  }

  // ---------------------------------------------------------------- tools

  function newConversation() {
    state.unsent = null;
    setSession(null);
    notice.clear();
    resetLog();
    announce("New conversation started.");
    input.focus();
  }

  async function deleteConversation() {
    const sessionId = state.sessionId;
    if (!sessionId) return;
    let outcome;
    try {
      outcome = await api.remove(sessionId);
    } catch (error) {
      notice.show(`Your conversation could not be deleted. ${messageFor(error)}`, { again: deleteConversation });
      return;
    }
    setSession(null);
    resetLog();
    const text =
      outcome === "deleted"
        ? "Your conversation was deleted."
        : "Your conversation was removed from this device; this server cannot delete it.";
    notice.show(text, { kind: "info" });
    announce(text);
    input.focus();
  }

  // ---------------------------------------------------------------- events

  newButton.addEventListener("click", newConversation);
  deleteButton.addEventListener("click", deleteConversation);
  closeButton?.addEventListener("click", () => options.onClose());

  updateTools();
  updateComposer();
  const ready = start();
  return { root, input, ready, focus: () => input.focus() };
}
