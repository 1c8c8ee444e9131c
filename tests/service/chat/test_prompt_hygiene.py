"""Control and invisible characters a visitor sends never reach the model, in the message or in the
history; the conversation keeps what the visitor sent (every owner-facing sink shows it defused)."""

from __future__ import annotations

from memory import Store
from service.settings import Settings
from tests.support.fake_openai import FakeOpenAI
from tests.support.settings import on_fake_model
from tests.support.twins import twin_for

HOSTILE = "Hi\x1b]0;x\x07 there\u202e \u200bfriend\x00\r\nsecond line"


async def test_the_model_sees_no_control_characters_the_store_keeps_the_message(
    settings: Settings, backend: Store
) -> None:
    with FakeOpenAI() as fake:
        twin = twin_for(on_fake_model(settings, fake.base_url), backend)
        fake.reply("Hello.").reply("Again.")
        first = await twin.engine.reply(HOSTILE, None)
        await twin.engine.reply("And now?", first.session_id)
        sent = [m["content"] for m in fake.requests[-1]["messages"][1:]]
    assert sent == ["Hi]0;x there friend\nsecond line", "Hello.", "And now?"]
    stored = await twin.memory.conversations.load(first.session_id)
    assert stored is not None and stored.conversation.messages[0].content == HOSTILE
