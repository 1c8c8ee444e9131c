"""Tool calls are whole however a provider sends them: argument fragments or one whole object per chunk,
with the provider's extras kept for the follow-up request."""

from __future__ import annotations

from service.providers import ToolCall
from service.providers.tool_calls import ToolCallAccumulator

SIGNED = {"extra_content": {"google": {"thought_signature": "sig-1"}}}


def calls(*chunks: list[dict[str, object]]) -> list[ToolCall]:
    accumulator = ToolCallAccumulator()
    for chunk in chunks:
        accumulator.add(chunk)  # type: ignore[arg-type]
    return accumulator.calls()


def test_argument_fragments_are_joined_under_their_index() -> None:
    assert calls(
        [
            {
                "index": 0,
                "id": "call_a",
                "type": "function",
                "function": {"name": "record_contact", "arguments": ""},
            }
        ],
        [{"index": 0, "function": {"arguments": '{"email": '}}],
        [{"index": 0, "function": {"arguments": '"a@example.org"}'}}],
    ) == [ToolCall(id="call_a", name="record_contact", arguments='{"email": "a@example.org"}')]


def test_whole_object_chunks_are_each_one_call_even_under_one_index() -> None:
    first = {
        "index": 0,
        "id": "",
        "function": {"name": "record_contact", "arguments": '{"email": "a@x.org"}'},
    }
    second = {
        "index": 0,
        "function": {"name": "record_unanswered_question", "arguments": '{"question": "Why?"}'},
    }
    assert [(c.name, c.arguments) for c in calls([first], [second])] == [
        ("record_contact", '{"email": "a@x.org"}'),
        ("record_unanswered_question", '{"question": "Why?"}'),
    ]


def test_a_new_id_under_a_used_index_starts_another_call() -> None:
    found = calls(
        [{"index": 0, "id": "call_a", "function": {"name": "a", "arguments": "{}"}}],
        [{"index": 0, "id": "call_b", "function": {"name": "b", "arguments": "{}"}}],
    )
    assert [(c.id, c.name) for c in found] == [("call_a", "a"), ("call_b", "b")]


def test_a_call_restated_whole_replaces_itself() -> None:
    piece = {"index": 0, "id": "call_a", "function": {"name": "a", "arguments": '{"q": 1}'}}
    assert calls([piece], [piece]) == [ToolCall(id="call_a", name="a", arguments='{"q": 1}')]


def test_provider_extras_are_kept_and_merged() -> None:
    (call,) = calls(
        [{"index": 0, "id": "call_a", "function": {"name": "a", "arguments": "{}"}, **SIGNED}],
        [{"index": 0, "extra_content": {"google": {"other": True}}}],
    )
    assert call.extras == {"extra_content": {"google": {"thought_signature": "sig-1", "other": True}}}


def test_calls_of_a_whole_reply_without_index_or_id_get_positions_and_ids() -> None:
    found = calls(
        [{"function": {"name": "a", "arguments": "{}"}}, {"function": {"name": "b", "arguments": "{}"}}]
    )
    assert [(c.id, c.name) for c in found] == [("call_0", "a"), ("call_1", "b")]
