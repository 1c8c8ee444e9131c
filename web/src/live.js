// Watching for the owner: when the owner can step into conversations in person (the card's
// `owner_can_step_in`), the chat polls its conversation with the ETag of the last answer, so a poll
// where nothing changed is a 304 with no body. It polls only while the page is visible and the visitor
// was active in the last five minutes (the window in which the owner's inbox shows them as live), or
// while the owner is in; every second then, so the owner's words arrive within two.

const LIVE_MS = 5 * 60 * 1000; // service/owner/inbox.py: LIVE_SECONDS
const PRESENT_MS = 1000;
const WATCHING_MS = 1500;

/** Start watching. on.view(view) gets each new version of the conversation. Returns { touch, stop }:
 *  `touch()` after the visitor's own activity (it restarts the window), `stop()` for good. */
export function watchOwner(api, sessionId, on) {
  let etag = null;
  let timer = 0;
  let present = false;
  let active = Date.now();
  let stopped = false;

  async function tick() {
    timer = 0;
    const id = sessionId();
    if (stopped || !id || document.visibilityState === "hidden") return;
    if (!present && Date.now() - active > LIVE_MS) return; // asleep until the visitor comes back
    try {
      const answer = await api.watch(id, etag);
      if (answer && !answer.unchanged) {
        etag = answer.etag;
        present = Boolean(answer.view.owner_present);
        on.view(answer.view);
      }
    } catch {
      // A missed poll changes nothing: the next one asks again.
    }
    schedule();
  }

  function schedule() {
    if (!stopped && !timer) timer = setTimeout(tick, present ? PRESENT_MS : WATCHING_MS);
  }

  function touch() {
    active = Date.now();
    if (!timer) schedule();
  }

  const wake = () => {
    if (document.visibilityState === "visible") touch();
  };
  document.addEventListener("visibilitychange", wake);
  window.addEventListener("focus", wake);
  schedule();
  return {
    touch,
    /** What the chat learnt itself (a reply's `done` event says whether the owner is in). */
    present(value) {
      present = value;
      touch();
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", wake);
      window.removeEventListener("focus", wake);
    },
  };
}
