// The owner's room talks to its JSON API under /owner/api: same origin, the session cookie sent by the
// browser, and the CSRF token (cookie `csrftoken`, header `x-csrftoken`) on every state change.

export const ROOM = "/owner";

/** A failed call: `status` 0 when the server could not be reached; `detail` is the server's words. */
export class OwnerError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

function csrfToken() {
  const found = document.cookie.split("; ").find((part) => part.startsWith("csrftoken="));
  return found ? decodeURIComponent(found.slice("csrftoken=".length)) : "";
}

/** Signed out (the session ended or expired): back to the sign-in page, then here again. */
export function signIn() {
  const here = location.pathname;
  const next = here === ROOM || here === `${ROOM}/` ? "" : `?next=${encodeURIComponent(here)}`;
  location.assign(`${ROOM}${next}`);
}

async function call(method, path, { body, etag, quiet } = {}) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["x-csrftoken"] = csrfToken();
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (etag) headers["If-None-Match"] = etag;
  let response;
  try {
    response = await fetch(`${ROOM}/api${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
    });
  } catch {
    throw new OwnerError(0, "The twin's server cannot be reached. Check the connection and try again.");
  }
  if (response.status === 401 && !quiet) {
    signIn();
    throw new OwnerError(401, "Your session ended. Sign in again.");
  }
  if (response.status === 304) return { unchanged: true, etag };
  if (!response.ok) {
    let detail = `The server answered ${response.status}.`;
    try {
      const problem = await response.json();
      if (typeof problem.detail === "string") detail = problem.detail;
    } catch {
      // not JSON: keep the status
    }
    throw new OwnerError(response.status, detail);
  }
  const data = response.status === 204 ? null : await response.json();
  return { data, etag: response.headers.get("ETag") };
}

export const api = {
  /** GET: resolves with the body; with `etag`, { unchanged: true } when nothing changed (304). */
  async get(path, options = {}) {
    const result = await call("GET", path, options);
    return options.withEtag ? result : result.data;
  },
  async send(method, path, body) {
    return (await call(method, path, { body })).data;
  },
  /** Whether the browser holds a live session (the sign-in page asks before showing the form). */
  async signedIn() {
    try {
      await call("GET", "/session", { quiet: true });
      return true;
    } catch {
      return false;
    }
  },
};

/** POST /owner/logout with the CSRF token, then the sign-in page. */
export async function signOut() {
  try {
    await fetch(`${ROOM}/logout`, {
      method: "POST",
      headers: { "x-csrftoken": csrfToken() },
      credentials: "same-origin",
      redirect: "manual",
    });
  } finally {
    location.assign(`${ROOM}?signed_out=1`);
  }
}
