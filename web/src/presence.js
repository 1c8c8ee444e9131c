// The owner in person, as the chat shows it: the line that says they are here or have left, their
// messages as they write them, and the watch that learns of both (live.js).
import { el } from "./dom.js";
import { watchOwner } from "./live.js";

/**
 * api, log and announce are the chat's; ownerName() names the owner, sessionId() is the conversation
 * on screen, canStepIn() whether the card lets the owner step in, onMessage() counts a message of
 * theirs shown. Returns { node, present, show, watch, restore, reset }.
 */
export function ownerPresence({ api, log, announce, ownerName, sessionId, canStepIn, onMessage }) {
  const node = el("p", { class: "tw-presence", role: "status", hidden: true });
  let present = false;
  let shown = 0; // the owner's messages on screen
  let watcher = null;

  /** Whether the owner is in; `quietly`: no announcement (a restored or cleared conversation). */
  function show(now, { quietly = false } = {}) {
    const was = present;
    present = now;
    watcher?.present(now);
    if (now) {
      node.textContent = `${ownerName()} is here in person: your messages go to them directly.`;
      node.dataset.kind = "in";
      node.hidden = false;
      if (!was && !quietly) announce(node.textContent);
    } else if (was && !quietly) {
      node.textContent = `${ownerName()} has left the conversation: the twin answers again.`;
      node.dataset.kind = "left";
      announce(node.textContent);
    } else if (!was) {
      node.hidden = true;
    }
  }

  /** A newer version of the stored conversation: the owner's new messages, and whether they are in. */
  function update(view) {
    const theirs = view.messages.filter((m) => m.role === "owner");
    for (const message of theirs.slice(shown)) {
      log.add("owner", message.content);
      onMessage();
      announce(`${ownerName()}: ${message.content}`);
    }
    shown = Math.max(shown, theirs.length);
    show(Boolean(view.owner_present));
  }

  return {
    node,
    get present() {
      return present;
    },
    show,
    /** Start watching once the card allows it; after that, note the visitor's activity. */
    watch() {
      if (!watcher && canStepIn()) watcher = watchOwner(api, sessionId, { view: update });
      watcher?.touch();
    },
    /** A conversation loaded whole: the owner's messages in it are on screen already. */
    restore(messages, ownerPresent) {
      shown = messages.filter((m) => m.role === "owner").length;
      show(ownerPresent, { quietly: true });
    },
    /** The log was cleared. */
    reset() {
      shown = 0;
      show(false, { quietly: true });
    },
  };
}
