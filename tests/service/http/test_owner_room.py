"""The owner's room's API, on file memory and on S3 (moto in server mode): the inbox and its flags, a
conversation with its events, stepping in live, deleting, questions, instructions, leads, feedback,
stats and the audit trail."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from service.app import build_memory, create_app
from service.owner.loop import OwnerLoop
from service.settings import Settings
from tests.support.fake_openai import FakeOpenAI
from tests.support.moto_s3 import MotoS3Server
from tests.support.owner import PASSWORD, Client, signed_in
from tests.support.settings import on_fake_model, tweak

UNANSWERABLE = "Do you play the bagpipes?"
ANSWER = "Only badly: I learned the bagpipes for my cousin's wedding in 2019."
EMAIL = "ada@example.com"

#: A signed-in client and the headers the room's pages send with state changes.
Room = tuple[Client, dict[str, str]]


@pytest.fixture(params=["file", "s3"])
def room_settings(
    request: pytest.FixtureRequest, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    env: dict[str, Any] = {
        "TWIN_OWNER_PASSWORD": PASSWORD,
        "TWIN_RATE_LIMIT_PER_MINUTE": 0,
        "TWIN_SESSION_RATE_LIMIT_PER_MINUTE": 0,
        "TWIN_NEW_SESSIONS_PER_HOUR": 0,
    }
    if request.param == "s3":
        moto: MotoS3Server = request.getfixturevalue("moto_s3")
        monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto.endpoint)
        env |= {"USE_S3": True, "S3_BUCKET": request.getfixturevalue("s3_bucket")}
    return tweak(settings, **env)


@pytest.fixture
def room(room_settings: Settings) -> Iterator[Room]:
    with TestClient(app=create_app(room_settings)) as client:
        yield client, signed_in(client)


def chat(client: Client, message: str, session_id: str | None = None) -> dict[str, Any]:
    response = client.post("/chat", json={"message": message, "session_id": session_id})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def three_visitors(client: Client) -> tuple[str, str, str]:
    """One leaves an email, one asks what the twin cannot answer, one votes a reply down."""
    contact = chat(client, f"Where do you work? Please email me at {EMAIL}")["session_id"]
    question = chat(client, UNANSWERABLE)["session_id"]
    voter = chat(client, "Where did you study?")["session_id"]
    vote = {"session_id": voter, "reply": 1, "rating": "down", "comment": "Too long."}
    assert client.post("/feedback", json=vote).status_code == 201
    return contact, question, voter


def inbox(client: Client, **params: str) -> dict[str, Any]:
    response = client.get("/owner/api/conversations", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def flags(client: Client) -> dict[str, dict[str, Any]]:
    return {item["session_id"]: item["flags"] for item in inbox(client)["items"]}


def test_the_inbox_flags_three_visitors_and_opening_one_marks_it_read(room: Room) -> None:
    client, _ = room
    contact, question, voter = three_visitors(client)
    page = inbox(client)
    assert page["counts"] == {"all": 3, "unread": 3, "attention": 3, "live": 3}
    assert [item["session_id"] for item in page["items"]] == [voter, question, contact]  # newest first
    found = flags(client)
    assert found[contact]["attention"] == ["new_contact"]
    assert found[question]["attention"] == ["open_question"]
    assert found[voter]["attention"] == ["thumbs_down"]
    assert all(f["unread"] and f["live"] and not f["owner_present"] for f in found.values())
    assert next(i for i in page["items"] if i["session_id"] == contact)["contact"] == EMAIL

    for session_id in (contact, question, voter):
        assert client.get(f"/owner/api/conversations/{session_id}").status_code == 200
    after = flags(client)
    assert not any(f["unread"] for f in after.values())
    assert after[contact]["attention"] == [] and after[voter]["attention"] == []
    # Was: another conversation leaving the same address flagged this one again.
    other = chat(client, f"Hello again, write to {EMAIL}")["session_id"]
    again = flags(client)
    assert again[contact]["attention"] == [] and again[other]["attention"] == ["new_contact"]
    assert after[question]["attention"] == ["open_question"]  # until it is answered or dismissed
    chat(client, "And before that?", voter)
    assert flags(client)[voter]["unread"] is True  # the visitor wrote again


def test_the_inbox_searches_messages_and_emails_and_filters_by_flag(room: Room) -> None:
    client, _ = room
    contact, question, voter = three_visitors(client)
    assert [i["session_id"] for i in inbox(client, q="BAGPIPES")["items"]] == [question]
    assert [i["session_id"] for i in inbox(client, q="ada@example")["items"]] == [contact]
    assert inbox(client, q="nothing like this anywhere")["items"] == []
    assert inbox(client, show="attention")["total"] == 3
    client.get(f"/owner/api/conversations/{voter}")
    assert {i["session_id"] for i in inbox(client, show="unread")["items"]} == {contact, question}
    two = inbox(client, limit="2")
    assert len(two["items"]) == 2 and two["total"] == 3
    assert [i["session_id"] for i in inbox(client, offset="2", limit="2")["items"]] == [contact]
    assert client.get("/owner/api/conversations", params={"show": "everything"}).status_code == 400
    assert client.get("/owner/api/conversations", params={"limit": "0"}).status_code == 400


def test_a_conversation_shows_its_messages_events_and_what_the_visitor_left(
    room: Room,
) -> None:
    client, _ = room
    contact, question, voter = three_visitors(client)
    detail = client.get(f"/owner/api/conversations/{contact}").json()
    assert [m["role"] for m in detail["messages"]] == ["user", "assistant"]
    assert detail["messages"][1]["reply"] == 1
    assert [(e["kind"], e["after"]) for e in detail["events"]] == [("contact_recorded", 1)]
    assert [c["email"] for c in detail["contacts"]] == [EMAIL] and detail["questions"] == []
    asked = client.get(f"/owner/api/conversations/{question}").json()
    assert [e["kind"] for e in asked["events"]] == ["question_recorded"]
    assert [(q["question"], q["status"]) for q in asked["questions"]] == [(UNANSWERABLE, "open")]
    voted = client.get(f"/owner/api/conversations/{voter}").json()
    [vote] = voted["events"]
    assert (vote["kind"], vote["rating"], vote["reply"], vote["detail"], vote["after"]) == (
        "feedback", "down", 1, "Too long.", 1,
    )  # fmt: skip
    assert client.get("/owner/api/conversations/not-a-session").status_code == 400
    assert client.get(f"/owner/api/conversations/{'B' * 32}").status_code == 404


def test_stepping_in_live_the_owner_talks_and_the_twin_waits_then_takes_over(
    room: Room,
) -> None:
    client, headers = room
    session_id = chat(client, "Where do you work?")["session_id"]
    base = f"/owner/api/conversations/{session_id}"
    refused = client.post(f"{base}/messages", json={"content": "Hello?"}, headers=headers)
    assert refused.status_code == 409 and refused.json()["extra"]["error"] == "owner_not_present"

    joined = client.post(f"{base}/join", headers=headers)
    assert joined.status_code == 200 and joined.json()["presence"] is not None
    said = client.post(f"{base}/messages", json={"content": "Hi, Freja here in person."}, headers=headers)
    assert said.status_code == 201 and said.json()["messages"][-1]["role"] == "owner"
    held = client.post("/chat", json={"message": "Oh, hello Freja!", "session_id": session_id}).json()
    assert held == {"response": "", "session_id": session_id, "reply": None, "owner_present": True}
    visitor = client.get(f"/conversation/{session_id}").json()
    assert [m["role"] for m in visitor["messages"]] == ["user", "assistant", "owner", "user"]
    assert visitor["messages"][2]["content"] == "Hi, Freja here in person."
    assert visitor["owner_present"] is True
    owner_view = client.get(base).json()
    assert owner_view["messages"][-1]["content"] == "Oh, hello Freja!"
    assert owner_view["flags"]["owner_present"] is True

    left = client.post(f"{base}/leave", headers=headers)
    assert left.status_code == 200 and left.json()["presence"] is None
    after = chat(client, "Where did you study?", session_id)
    assert after["reply"] == 2 and "owner_present" not in after and after["response"]
    assert client.get(f"/conversation/{session_id}").json().get("owner_present") is None
    assert client.post(f"{base}/messages", json={"content": "   "}, headers=headers).status_code == 400
    assert client.post(f"/owner/api/conversations/{'B' * 32}/join", headers=headers).status_code == 404


def test_a_conversation_unchanged_since_its_etag_answers_304_with_no_body(
    room: Room,
) -> None:
    client, headers = room
    session_id = chat(client, "Where do you work?")["session_id"]
    visitor, owner = f"/conversation/{session_id}", f"/owner/api/conversations/{session_id}"
    first, mine = client.get(visitor), client.get(owner)
    tag, owner_tag = first.headers["etag"], mine.headers["etag"]
    assert owner_tag.startswith('W/"') and first.headers["cache-control"] == "no-cache"
    for path, etag in ((visitor, tag), (owner, owner_tag)):
        again = client.get(path, headers={"if-none-match": etag})
        assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    client.post(f"{owner}/join", headers=headers)  # the owner's arrival changes what the visitor sees
    arrived = client.get(visitor, headers={"if-none-match": tag})
    assert arrived.status_code == 200 and arrived.json()["owner_present"] is True
    tag = arrived.headers["etag"]
    client.post(f"{owner}/messages", json={"content": "Hello!"}, headers=headers)
    message = client.get(visitor, headers={"if-none-match": tag})
    assert message.status_code == 200 and message.json()["messages"][-1]["role"] == "owner"
    assert client.get(owner, headers={"if-none-match": owner_tag}).status_code == 200


def test_deleting_a_conversation_is_the_visitors_own_erasure(room: Room) -> None:
    client, headers = room
    session_id = chat(client, "Where do you work?")["session_id"]
    client.get(f"/owner/api/conversations/{session_id}")  # a read mark to erase with it
    assert client.delete(f"/owner/api/conversations/{session_id}", headers=headers).status_code == 204
    assert client.get(f"/conversation/{session_id}").status_code == 404
    assert client.delete(f"/owner/api/conversations/{session_id}", headers=headers).status_code == 404
    assert inbox(client)["items"] == []
    [entry] = [e for e in client.get("/owner/api/audit").json()["entries"] if e["action"] == "delete"]
    assert session_id not in entry["target"] and entry["target"].startswith("conversation ")


def test_an_answer_teaches_the_twin_at_once_and_can_be_changed_or_dismissed(
    room: Room,
) -> None:
    client, headers = room
    chat(client, UNANSWERABLE)
    [question] = client.get("/owner/api/questions").json()["questions"]
    path = f"/owner/api/questions/{question['id']}"
    assert client.post(f"{path}/answer", json={"answer": ""}, headers=headers).status_code == 400
    answered = client.post(f"{path}/answer", json={"answer": ANSWER}, headers=headers)
    assert answered.status_code == 200 and answered.json()["status"] == "answered"
    # the process caches answers for a minute; the room's answer reaches its own twin at once
    assert ANSWER in chat(client, UNANSWERABLE)["response"]
    assert client.get("/owner/api/questions").json()["questions"] == []
    changed = "Not at all, I am afraid."
    client.post(f"{path}/answer", json={"answer": changed}, headers=headers)
    [edited] = client.get("/owner/api/questions", params={"status": "answered"}).json()["questions"]
    assert edited["answer"] == changed and changed in chat(client, UNANSWERABLE)["response"]
    assert client.post(f"{path}/dismiss", headers=headers).json()["status"] == "dismissed"
    assert client.post("/owner/api/questions/ffffffffffff/dismiss", headers=headers).status_code == 404
    assert client.post("/owner/api/questions/../x/dismiss", headers=headers).status_code == 404
    assert client.get("/owner/api/questions", params={"status": "maybe"}).status_code == 400


def test_leads_come_as_a_list_and_as_a_csv_safe_in_a_spreadsheet(room: Room, room_settings: Settings) -> None:
    client, _ = room
    session_id = chat(client, f"Please email me at {EMAIL}")["session_id"]

    async def formula_contact() -> None:
        memory = build_memory(room_settings.storage)
        owner = OwnerLoop(memory.records)
        await owner.record_contact(session_id, "eve@example.com", "=HYPERLINK(1)", "@SUM(2)")
        await memory.close()

    asyncio.run(formula_contact())
    leads = client.get("/owner/api/leads").json()["leads"]
    assert {lead["email"] for lead in leads} == {EMAIL, "eve@example.com"}
    download = client.get("/owner/api/leads.csv")
    assert download.headers["content-type"] == "text/csv; charset=utf-8"
    assert download.headers["content-disposition"].startswith('attachment; filename="twin-leads-')
    rows = list(csv.DictReader(io.StringIO(download.text)))
    eve = next(row for row in rows if row["email"] == "eve@example.com")
    assert (eve["name"], eve["note"]) == ("'=HYPERLINK(1)", "'@SUM(2)")


def test_feedback_comes_with_the_reply_it_rates_and_the_question_before_it(
    room: Room,
) -> None:
    client, _ = room
    _, _, voter = three_visitors(client)
    [vote] = client.get("/owner/api/feedback").json()["votes"]
    assert (vote["session_id"], vote["rating"], vote["comment"], vote["question"]) == (
        voter, "down", "Too long.", "Where did you study?",
    )  # fmt: skip
    assert vote["reply_text"] and vote["reply"] == 1


def test_stats_count_per_day_what_the_room_charts(room: Room) -> None:
    client, _ = room
    three_visitors(client)
    stats = client.get("/owner/api/stats", params={"days": "3"}).json()
    assert len(stats["per_day"]) == 3 and stats["days"] == 3
    today = stats["per_day"][-1]
    assert (today["turns"], today["conversations"], today["feedback_down"]) == (3, 3, 1)
    assert (today["new_contacts"], today["new_questions"], today["failed_turns"]) == (1, 1, 0)
    assert {p["period"] for p in stats["budget"]} == {"daily", "monthly"}
    assert client.get("/owner/api/stats", params={"days": "0"}).status_code == 400
    assert client.get("/owner/api/stats", params={"days": "367"}).status_code == 400


def test_instructions_are_kept_limited_and_audited(room: Room) -> None:
    client, headers = room
    assert client.get("/owner/api/instructions").json() == {"text": "", "updated_at": None, "max_chars": 2000}
    saved = client.put("/owner/api/instructions", json={"text": "  Be brief.  "}, headers=headers).json()
    assert saved["text"] == "Be brief." and saved["updated_at"]
    too_long = client.put("/owner/api/instructions", json={"text": "x" * 2001}, headers=headers)
    assert too_long.status_code == 400 and client.get("/owner/api/instructions").json()["text"] == "Be brief."
    assert client.put("/owner/api/instructions", json={"text": ""}, headers=headers).json()["text"] == ""


def test_the_audit_trail_records_the_owners_actions_newest_first(room: Room) -> None:
    client, headers = room
    session_id = chat(client, UNANSWERABLE)["session_id"]
    [question] = client.get("/owner/api/questions").json()["questions"]
    client.post(f"/owner/api/questions/{question['id']}/answer", json={"answer": ANSWER}, headers=headers)
    client.post(f"/owner/api/conversations/{session_id}/join", headers=headers)
    client.post(f"/owner/api/conversations/{session_id}/leave", headers=headers)
    client.put("/owner/api/instructions", json={"text": "Be brief."}, headers=headers)
    entries = client.get("/owner/api/audit").json()["entries"]
    assert [e["action"] for e in entries] == ["instructions", "leave", "join", "answer", "sign_in"]
    assert entries[1]["target"] == session_id and entries[3]["target"] == question["id"]
    assert all(e["ip"] == "testclient" for e in entries)
    # Was: the answer's entry quoted the visitor's question, which outlived the visitor's erasure.
    assert client.delete(f"/conversation/{session_id}").status_code == 204
    assert UNANSWERABLE not in str(client.get("/owner/api/audit").json())


def test_the_owners_instructions_reach_the_prompt_after_its_stable_part(settings: Settings) -> None:
    with FakeOpenAI() as fake:
        model = on_fake_model(tweak(settings, TWIN_OWNER_PASSWORD=PASSWORD), fake.base_url)
        with TestClient(app=create_app(model)) as client:
            headers = signed_in(client)
            chat(client, "Hello")
            before = fake.last_request["messages"][0]["content"]
            text = {"text": "Mention https://cal.example/me."}
            client.put("/owner/api/instructions", json=text, headers=headers)
            chat(client, "Hello again")
            after = fake.last_request["messages"][0]["content"]
    assert "Instructions from" not in before and after.startswith(before)  # the cached prefix is kept
    assert after.endswith("Mention https://cal.example/me.")
