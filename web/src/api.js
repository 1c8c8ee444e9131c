// The twin's public HTTP contract, as the page and the widget use it. Nothing else talks to the server.
import { ApiError, errorFrom } from "./errors.js";
import { readReply } from "./stream.js";

const TIMEOUT_MS = 20000;

/** A random key for one message (32 hex characters); crypto.getRandomValues works without HTTPS too. */
export function newIdempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class Api {
  /** base: the API's URL, or "" for the page's own origin; stream: where replies stream from when that
   *  is not the API (a deployed stack's function URL), or "". */
  constructor(base, stream = "") {
    this.base = (base || "").replace(/\/+$/, "");
    this.stream = (stream || "").replace(/\/+$/, "");
  }

  async request(path, init = {}) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
    try {
      const response = await fetch(this.base + path, { ...init, signal: init.signal ?? controller.signal });
      if (!response.ok) throw await errorFrom(response);
      return response;
    } catch (error) {
      if (error instanceof ApiError) throw error;
      throw new ApiError("unreachable", "The twin's server cannot be reached.");
    } finally {
      clearTimeout(timer);
    }
  }

  async persona() {
    return (await this.request("/persona", { headers: { Accept: "application/json" } })).json();
  }

  /** The stored conversation ({ messages, owner_present }), or null when the server does not know the
   *  session (any more). */
  async conversation(sessionId) {
    try {
      const response = await this.request(`/conversation/${encodeURIComponent(sessionId)}`, {
        headers: { Accept: "application/json" },
      });
      return await response.json();
    } catch (error) {
      if (error.kind === "not_found" || error.kind === "invalid") return null;
      throw error;
    }
  }

  /** A conditional read of the conversation: { unchanged: true } while it has not changed since the
   *  ETag `etag`, else { view, etag }; null when the session is gone. */
  async watch(sessionId, etag) {
    const headers = { Accept: "application/json" };
    if (etag) headers["If-None-Match"] = etag;
    const response = await fetch(`${this.base}/conversation/${encodeURIComponent(sessionId)}`, {
      headers,
      cache: "no-store",
    });
    if (response.status === 304) return { unchanged: true };
    if (!response.ok) return null;
    return { view: await response.json(), etag: response.headers.get("ETag") };
  }

  /** "deleted" (or already gone), or "unsupported" when this server has no DELETE endpoint. */
  async remove(sessionId) {
    try {
      await this.request(`/conversation/${encodeURIComponent(sessionId)}`, { method: "DELETE" });
      return "deleted";
    } catch (error) {
      if (error.kind === "not_found") return "deleted";
      if (error.kind === "unsupported") return "unsupported";
      throw error;
    }
  }

  /** POST /feedback: the visitor's "up" or "down" on the session's reply-th reply (1 = the twin's first);
   *  a second vote on the same reply replaces the first. Resolves with the recorded vote. */
  async feedback(sessionId, reply, rating, comment = "") {
    const body = { session_id: sessionId, reply, rating };
    if (comment) body.comment = comment;
    const response = await this.request("/feedback", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
    });
    return response.json();
  }

  /** POST /chat/stream, calling on.session(id) and on.delta(text); resolves with the `done` event.
   *  Works the same whether the events arrive one by one or, through a buffering proxy, all at once.
   *  Sending the same `idempotencyKey` again retries the message: a turn the server already stored
   *  comes back as it was, not stored or billed twice. With a streaming URL the reply streams from
   *  there; when that fails before any event and the twin itself did not answer (unreachable, refused
   *  on the way, throttled, broken off), the same message goes to the API, whose reply arrives whole. */
  async chat(message, sessionId, on, idempotencyKey = newIdempotencyKey()) {
    const body = JSON.stringify({ message, session_id: sessionId || null, idempotency_key: idempotencyKey });
    if (this.stream) {
      let started = false;
      const seen = (handler) => (value) => {
        started = true;
        handler(value);
      };
      try {
        return await postChat(this.stream, body, { session: seen(on.session), delta: seen(on.delta) });
      } catch (error) {
        if (started || error.answered) throw error;
      }
    }
    return postChat(this.base, body, on);
  }
}

async function postChat(base, body, on) {
  const response = await fetch(base + "/chat/stream", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
    body,
  }).catch(() => {
    throw new ApiError("unreachable", "The twin's server cannot be reached.");
  });
  if (!response.ok) throw await errorFrom(response);
  return readReply(response, on);
}
