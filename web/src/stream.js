// Reading a reply from POST /chat/stream: server-sent events, whether they arrive one by one or, through
// a buffering proxy, all at once.
import { ApiError, waitSeconds } from "./errors.js";

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

/** Read a successful response's events, calling on.session(id) and on.delta(text); resolves with the
 *  `done` event as soon as it arrives (the server may hold the connection a little longer while it
 *  finishes the turn's background work). An `error` event rejects with its ApiError; a stream that
 *  ends without `done`, with an "unreachable" one. */
export async function readReply(response, on) {
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
        if (done) {
          reader.cancel().catch(() => {});
          return done;
        }
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
