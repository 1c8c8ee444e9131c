"""What the generated OpenAPI document says beyond the contract's types, so it tells the whole truth.

Litestar derives the schema from the contract's Structs; three things it cannot see are added here:
request bodies reject unknown fields, the message limit is the deployment's own, and the chat
stream's events each carry one of the contract's event bodies. The error answers a route can give
are declared on each route with `error_responses`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from litestar.openapi import ResponseSpec
from litestar.openapi.spec import OpenAPIType, Reference, Schema
from litestar.plugins import OpenAPISchemaPlugin
from litestar.typing import FieldDefinition

from service.http.contract import STREAM_EVENTS, ChatRequest, ErrorBody, Request, StreamEvent

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator

#: Every error status the API answers with on purpose, and what it means. 500 is never one of them.
ERRORS: dict[int, str] = {
    400: "Malformed: invalid JSON, a field, header or session id that does not validate, or a message over "
    "the length limit (`extra` names the field or the limit); or a Host the API does not answer for "
    "(`host_not_allowed`).",
    401: "Not signed in to the owner's room, or the session ended (`not_signed_in`).",
    403: "The request's Origin is not one the owner allowed (`origin_not_allowed`); in the owner's room, a "
    "state change from another origin or without the CSRF token (cookie `csrftoken`, header `x-csrftoken`).",
    404: "The session does not exist (or no longer does), or it has no such reply (or question).",
    409: "The conversation is full (`conversation_full`: start a new one) or was written by too many "
    "requests at once (`conflict`: try again); in the owner's room, writing in a conversation the owner "
    "has not joined (`owner_not_present`).",
    413: "The request body is larger than the server accepts (TWIN_MAX_BODY_BYTES).",
    429: "Too many requests, or too many model tokens used, from this address or in this conversation; "
    "`Retry-After` says when to try again.",
    503: "The model or the memory is unavailable right now; nothing was stored. `Retry-After` says when "
    "to try again.",
}


def error_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """The `responses` of a route that can answer with these error statuses (bodies are `ErrorBody`)."""
    return {
        status: ResponseSpec(ErrorBody, description=ERRORS[status], generate_examples=False)
        for status in statuses
    }


def stream_response(description: str) -> dict[int, ResponseSpec]:
    """The 200 answer of a server-sent-event route: `text/event-stream` of `StreamEvent`s."""
    return {
        200: ResponseSpec(
            StreamEvent, description=description, media_type="text/event-stream", generate_examples=False
        )
    }


class ContractSchemas(OpenAPISchemaPlugin):
    """Schemas for the contract's request bodies and the chat stream's events.

    Request bodies are closed (`additionalProperties: false`, as `forbid_unknown_fields` enforces) and
    a chat message's `maxLength` is the configured TWIN_MAX_MESSAGE_CHARS, not only the hard ceiling.
    A `StreamEvent` is one of the named events, its `data` the JSON of that event's body.
    """

    def __init__(self, max_message_chars: int) -> None:
        self.max_message_chars = max_message_chars

    def is_plugin_supported_field(self, field_definition: FieldDefinition) -> bool:
        return not field_definition.is_union and field_definition.is_subclass_of((Request, StreamEvent))

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: SchemaCreator) -> Schema:
        if field_definition.is_subclass_of(StreamEvent):
            return _stream_event_schema(schema_creator)
        # Litestar's own Struct schema, then what it leaves out.
        builtin = next(
            plugin
            for plugin in schema_creator.plugins
            if plugin is not self and schema_creator.plugin_supports_field(plugin, field_definition)
        )
        schema = builtin.to_openapi_schema(field_definition, schema_creator)
        schema.additional_properties = False
        message = (schema.properties or {}).get("message")
        if field_definition.is_subclass_of(ChatRequest) and isinstance(message, Schema):
            message.max_length = min(message.max_length or self.max_message_chars, self.max_message_chars)
        return schema


def _stream_event_schema(schema_creator: SchemaCreator) -> Schema:
    variants: list[Reference | Schema] = []
    for name, body in STREAM_EVENTS.items():
        content = schema_creator.for_field_definition(FieldDefinition.from_annotation(body))
        variants.append(
            Schema(
                type=OpenAPIType.OBJECT,
                required=["data", "event"],
                properties={
                    "event": Schema(const=name),
                    "data": Schema(
                        type=OpenAPIType.STRING,
                        content_media_type="application/json",
                        content_schema=content,
                    ),
                },
            )
        )
    return Schema(one_of=variants, description=StreamEvent.__doc__)
