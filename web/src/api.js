// The twin's public HTTP contract, as the page and the widget use it. Nothing else talks to the server.

/** A failed call, sorted into the states the UI shows. kind: unreachable | rate_limited | too_long |
 *  not_found | unavailable | invalid | unsupported. */
export class ApiError extends Error {
  constructor(kind, detail, { status = 0, retryAfter = null, limit = null } = {}) {
    super(detail);
    this.kind = kind;
    this.status = status;
    this.retryAfter = retryAfter;
    this.limit = limit;
  }
}

const TIMEOUT_MS = 20000;

/** A random key for one message (32 hex characters); crypto.getRandomValues works without HTTPS too. */
export function newIdempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The longest wait the page asks of a visitor, whatever a server or proxy says (the twin's own ceiling). */
const MAX_WAIT_SECONDS = 3600;

/** A wait in seconds as whole seconds up to the ceiling; null when absent or meaningless (inf, negative). */
function waitSeconds(value) {
  const seconds = value === null || value === undefined || value === "" ? NaN : Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(Math.ceil(seconds), MAX_WAIT_SECONDS) : null;
}

function retryAfterSeconds(response, body) {
  const header = response.headers.get("Retry-After");
  return waitSeconds(header !== null && header !== "" ? header : body?.retry_after);
}

async function errorFrom(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const detail = typeof body?.detail === "string" ? body.detail : `HTTP ${response.status}`;
  const extra = body?.extra && typeof body.extra === "object" ? body.extra : {};
  const status = response.status;
  const retryAfter = retryAfterSeconds(response, body);
  if (status === 429) return new ApiError("rate_limited", detail, { status, retryAfter: retryAfter ?? 10 });
  if (extra.error === "message_too_long") {
    return new ApiError("too_long", detail, { status, limit: extra.max_message_chars ?? null });
  }
  if (status === 404) return new ApiError("not_found", detail, { status });
  if (status === 405 || status === 501) return new ApiError("unsupported", detail, { status });
  if (status >= 500) return new ApiError("unavailable", detail, { status, retryAfter });
  return new ApiError("invalid", detail, { status });
}

/** Split a text/event-stream buffer into complete events; returns [events, rest]. */
export function parseEvents(buffer) {
  const events = [];
  const blocks = buffer.replace(/\r\n?/g, "\n").split("\n\n");
  const rest = blocks.pop();
  for (const block of blocks) {
    let name = "message";
    const data = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event:")) name = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
    }
    if (data.length) {
      try {
        events.push({ event: name, data: JSON.parse(data.join("\n")) });
      } catch {
        // A malformed event is skipped; the stream's own `done` or `error` still decides the outcome.
      }
    }
  }
  return [events, rest];
}

export class Api {
  /** base: the API's URL, or "" for the page's own origin. */
  constructor(base) {
    this.base = (base || "").replace(/\/+$/, "");
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

  /** The stored messages, or null when the server does not know the session (any more). */
  async conversation(sessionId) {
    try {
      const response = await this.request(`/conversation/${encodeURIComponent(sessionId)}`, {
        headers: { Accept: "application/json" },
      });
      return (await response.json()).messages;
    } catch (error) {
      if (error.kind === "not_found" || error.kind === "invalid") return null;
      throw error;
    }
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
   *  comes back as it was, not stored or billed twice. */
  async chat(message, sessionId, on, idempotencyKey = newIdempotencyKey()) {
    const response = await fetch(this.base + "/chat/stream", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
      body: JSON.stringify({ message, session_id: sessionId || null, idempotency_key: idempotencyKey }),
    }).catch(() => {
      throw new ApiError("unreachable", "The twin's server cannot be reached.");
    });
    if (!response.ok) throw await errorFrom(response);
    let buffer = "";
    let done = null;
    const handle = (events) => {
      for (const { event, data } of events) {
        if (event === "session") on.session(data.session_id);
        else if (event === "delta") on.delta(data.text);
        else if (event === "done") done = data;
        else if (event === "error") {
          throw new ApiError(data.error === "message_too_long" ? "too_long" : "unavailable", data.detail, {
            retryAfter: waitSeconds(data.retry_after),
          });
        }
      }
    };
    try {
      if (response.body && response.body.getReader) {
        const reader = response.body.getReader();
        const decoder = new TextDecoder();
        for (;;) {
          const { value, done: finished } = await reader.read();
          if (finished) break;
          buffer += decoder.decode(value, { stream: true });
          const [events, rest] = parseEvents(buffer);
          buffer = rest;
          handle(events);
        }
        buffer += decoder.decode();
      } else {
        buffer = await response.text();
      }
      handle(parseEvents(buffer + "\n\n")[0]);
    } catch (error) {
      if (error instanceof ApiError) throw error;
      throw new ApiError("unreachable", "The connection was lost before the reply finished.");
    }
    if (!done) throw new ApiError("unreachable", "The connection was lost before the reply finished.");
    return done;
  }
}
