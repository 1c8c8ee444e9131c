// A failed call to the twin's server, sorted into the states the UI shows.

/** kind: unreachable | rate_limited | too_long | not_found | unavailable | invalid | unsupported.
 *  answered: the twin itself gave this answer (its error body), not something on the way to it. */
export class ApiError extends Error {
  constructor(kind, detail, { status = 0, retryAfter = null, limit = null, answered = false } = {}) {
    super(detail);
    this.kind = kind;
    this.status = status;
    this.retryAfter = retryAfter;
    this.limit = limit;
    this.answered = answered;
  }
}

/** The longest wait the page asks of a visitor, whatever a server or proxy says (the twin's own ceiling). */
const MAX_WAIT_SECONDS = 3600;

/** A wait as whole seconds up to the ceiling; null when absent or meaningless (inf, nan, negative). */
export function waitSeconds(value) {
  const seconds = value === null || value === undefined || value === "" ? NaN : Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(Math.ceil(seconds), MAX_WAIT_SECONDS) : null;
}

function retryAfterSeconds(response, body) {
  const header = response.headers.get("Retry-After");
  return waitSeconds(header !== null && header !== "" ? header : body?.retry_after);
}

/** The ApiError an unsuccessful response stands for. */
export async function errorFrom(response) {
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
  const answered = typeof body?.status_code === "number" && typeof body?.detail === "string";
  if (status === 429) {
    return new ApiError("rate_limited", detail, { status, retryAfter: retryAfter ?? 10, answered });
  }
  if (extra.error === "message_too_long") {
    return new ApiError("too_long", detail, { status, limit: extra.max_message_chars ?? null, answered });
  }
  if (status === 404) return new ApiError("not_found", detail, { status, answered });
  if (status === 405 || status === 501) return new ApiError("unsupported", detail, { status, answered });
  if (status >= 500) return new ApiError("unavailable", detail, { status, retryAfter, answered });
  return new ApiError("invalid", detail, { status, answered });
}

/** What the chat tells the visitor about a failed call. */
export function messageFor(error) {
  if (!(error instanceof ApiError)) return "Something went wrong.";
  switch (error.kind) {
    case "unreachable":
      return "The twin's server can't be reached. Check your connection and try again.";
    case "rate_limited":
      return `You're sending messages too quickly. Please wait ${error.retryAfter} s and try again.`;
    case "too_long":
      return error.limit
        ? `That message is too long: the limit is ${error.limit} characters.`
        : `That message is too long. ${error.detail}`;
    case "unavailable":
      return error.retryAfter
        ? `The twin can't answer right now. Try again in ${error.retryAfter} s.`
        : "The twin can't answer right now. Please try again.";
    default:
      return error.message || "Something went wrong.";
  }
}
