"""The HTTP contract: every request and response body, with named constraints. OpenAPI comes from here."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from memory.keys import END, SESSION_ID_PATTERN
from service.owner.audit import AuditEntry
from service.owner.contacts import Contact
from service.owner.inbox import Vote
from service.owner.instructions import MAX_CHARS as INSTRUCTIONS_MAX_CHARS
from service.owner.loop import Question

#: Hard ceiling for any message; the configurable limit (TWIN_MAX_MESSAGE_CHARS) is checked by the engine.
MESSAGE_HARD_LIMIT = 100_000

#: A visible character, meaning the same to Python's `re` (which checks bodies) and to the ECMAScript
#: regex of the OpenAPI document: not whitespace, not a control character (C0, DEL, C1) and not one
#: of the format characters of the Basic Multilingual Plane (soft hyphen, zero-width, bidi controls,
#: byte-order mark, ...), none of which reaches a model. The format characters beyond it (tag
#: characters, ...) cannot be written in a class both dialects read the same way: the chat turn
#: refuses a message of only those (400 `message_blank`).
NON_BLANK = (
    r"[^\s\x00-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    r"\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]"
)

MessageText = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=MESSAGE_HARD_LIMIT,
        pattern=NON_BLANK,
        description="What the visitor says; must contain a non-blank character.",
    ),
]
SessionId = Annotated[
    str,
    Meta(pattern=SESSION_ID_PATTERN, description="An id the server issued (32 URL-safe characters)."),
]


class Request(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base of request bodies: immutable, keyword-only, unknown fields rejected with a 400."""


class Response(msgspec.Struct, kw_only=True):
    """Base of response bodies."""


IDEMPOTENCY_KEY_PATTERN = rf"^[A-Za-z0-9_-]{{16,64}}{END}"
IDEMPOTENCY_KEY_HELP = (
    "A random key the client sends again when it retries this message after a timeout: the turn is "
    "then answered from memory, not stored or billed twice (also for a first message sent without "
    "session_id: the same key and message give the same conversation). It may come as this field or "
    "as the standard `Idempotency-Key` header; when both are given, the field is the key."
)
IdempotencyKey = Annotated[str, Meta(pattern=IDEMPOTENCY_KEY_PATTERN, description=IDEMPOTENCY_KEY_HELP)]


class ChatRequest(Request, frozen=True, kw_only=True, forbid_unknown_fields=True):
    message: MessageText
    session_id: SessionId | None = None
    idempotency_key: IdempotencyKey | None = None


OwnerPresent = Annotated[
    bool,
    Meta(
        description="The owner is in the conversation in person: the twin does not answer, the owner "
        "reads the visitor's messages and answers them (messages with role `owner`)."
    ),
]

#: 1 is the twin's first reply in the session; the ceiling only keeps the number sane.
ReplyIndex = Annotated[
    int, Meta(ge=1, le=100_000, description="Which reply: 1 for the twin's first reply in the session.")
]


class ChatResponse(Response, kw_only=True, omit_defaults=True):
    response: str
    session_id: str
    #: None when the owner is in the conversation in person: the message went to them, unanswered.
    reply: ReplyIndex | None
    owner_present: OwnerPresent = False


class RootInfo(Response, kw_only=True):
    message: str = "AI Digital Twin API"
    memory_enabled: bool = True
    storage: Literal["local", "s3"]


class Health(Response, kw_only=True):
    status: Literal["healthy"] = "healthy"
    storage: Literal["local", "s3"]
    #: The seed project's field: true when memory is on S3.
    use_s3: bool
    provider: str
    model: str
    offline: bool
    persona: str
    persona_hash: str


class ConversationMessage(Response, kw_only=True):
    role: Annotated[
        Literal["user", "assistant", "owner"],
        Meta(description="`owner`: the owner, who stepped into the conversation in person."),
    ]
    content: str
    timestamp: datetime


class ConversationView(Response, kw_only=True, omit_defaults=True):
    session_id: str
    messages: list[ConversationMessage]
    owner_present: OwnerPresent = False


class PersonaCard(Response, kw_only=True):
    """What a front end shows about the owner; nothing private."""

    name: str
    full_name: str
    headline: str
    greeting: str
    suggested_questions: list[str]
    avatar_url: str | None = None
    offline: bool
    max_message_chars: int
    #: The owner may step into conversations in person; a front end then watches the conversation
    #: (GET /conversation/{id}, conditional) while its visitor is active.
    owner_can_step_in: bool = False


class WebConfig(Response, kw_only=True, rename="camel"):
    """The front end's runtime config (`config.json`): one build serves every stack."""

    #: The API's base URL; empty means the page's own origin.
    api_url: str = ""
    #: Where POST /chat/stream streams from when that is not the API (a deployed stack's function URL);
    #: empty means the API itself.
    stream_url: str = ""


class ErrorBody(Response, kw_only=True):
    """Every error response, in Litestar's own shape."""

    status_code: int
    detail: str
    extra: dict[str, object] | list[object] | None = None


# Server-sent events of POST /chat/stream, in order: `session`, `delta`*, then `done` or `error`.
class SessionEvent(Response, kw_only=True):
    session_id: str


class DeltaEvent(Response, kw_only=True):
    text: str


class DoneEvent(Response, kw_only=True, omit_defaults=True):
    """The turn is stored; `response` is the stored reply (see POST /chat/stream on racing retries)."""

    session_id: str
    response: str
    #: None when the owner is in the conversation in person: the message went to them, unanswered.
    reply: ReplyIndex | None
    owner_present: OwnerPresent = False


class ErrorEvent(Response, kw_only=True):
    error: str
    detail: str
    retry_after: float | None = None


class StreamEvent(Response, kw_only=True):
    """One server-sent event of POST /chat/stream: its name, and as `data` the JSON of that event's body."""

    event: Literal["session", "delta", "done", "error"]
    data: str


#: Each event of POST /chat/stream and the body its `data` carries, in the order a stream sends them.
STREAM_EVENTS: dict[str, type[Response]] = {
    "session": SessionEvent,
    "delta": DeltaEvent,
    "done": DoneEvent,
    "error": ErrorEvent,
}


Rating = Annotated[Literal["up", "down"], Meta(description="Thumbs up or down.")]
FeedbackComment = Annotated[
    str, Meta(max_length=1000, description="Optional words from the visitor (up to 1000 characters).")
]


class FeedbackRequest(Request, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A visitor's thumbs up or down on one reply; voting again on a reply replaces the earlier vote."""

    session_id: SessionId
    reply: ReplyIndex
    rating: Rating
    comment: FeedbackComment = ""


class FeedbackResponse(Response, kw_only=True):
    recorded: bool = True
    session_id: str
    reply: int
    rating: Literal["up", "down"]


# --- The owner's room: /owner/api/... (and the sign-in form). Requests are declared here; responses
# are the owner's records and views as service/owner/ defines them (an inbox page, a conversation's
# detail, stats), on their own or in the wrappers below.

OwnerText = Annotated[str, Meta(min_length=1, max_length=4000, pattern=NON_BLANK)]


class LoginForm(Request, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """POST /owner/login, a form: the password, where to go next, and the CSRF token."""

    password: Annotated[str, Meta(max_length=1024)]
    next: Annotated[str, Meta(max_length=200)] = ""
    csrf_token: str = msgspec.field(default="", name="_csrf_token")
    #: Filled in by password managers (there is one owner); ignored.
    username: Annotated[str, Meta(max_length=200)] = ""


class AnswerRequest(Request, frozen=True, kw_only=True, forbid_unknown_fields=True):
    answer: Annotated[OwnerText, Meta(description="The answer, in the first person as the twin speaks.")]


class OwnerMessageRequest(Request, frozen=True, kw_only=True, forbid_unknown_fields=True):
    content: Annotated[OwnerText, Meta(description="What the owner says to the visitor, in person.")]


class InstructionsRequest(Request, frozen=True, kw_only=True, forbid_unknown_fields=True):
    text: Annotated[
        str,
        Meta(
            max_length=INSTRUCTIONS_MAX_CHARS,
            description="How the twin should talk with visitors, in the owner's words; empty clears them.",
        ),
    ]


class SessionView(Response, kw_only=True):
    """The owner's session: when it ends."""

    expires_at: datetime


class QuestionsView(Response, kw_only=True):
    questions: list[Question]


class InstructionsView(Response, kw_only=True):
    text: str
    updated_at: datetime | None
    max_chars: int = INSTRUCTIONS_MAX_CHARS


class LeadsView(Response, kw_only=True):
    leads: list[Contact]


class VotesView(Response, kw_only=True):
    votes: list[Vote]


class AuditView(Response, kw_only=True):
    entries: list[AuditEntry]
