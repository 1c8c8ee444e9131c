"""POST /chat/stream: events in order, and the final text equals what was stored."""

from __future__ import annotations

from litestar.testing import TestClient

from tests.support.sse import parse_sse

Client = TestClient  # type: ignore[type-arg]


def test_stream_sends_session_deltas_and_done_in_order(client: Client) -> None:
    response = client.post("/chat/stream", json={"message": "What languages do you speak?"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = parse_sse(response.text)
    names = [name for name, _ in events]
    assert names[0] == "session" and names[-1] == "done"
    assert set(names[1:-1]) == {"delta"} and len(names) > 3
    session_id = events[0][1]["session_id"]
    text = "".join(data["text"] for name, data in events if name == "delta")
    assert events[-1][1] == {"session_id": session_id, "response": text, "reply": 1}
    stored = client.get(f"/conversation/{session_id}").json()["messages"]
    assert stored[-1] == {"role": "assistant", "content": text, "timestamp": stored[-1]["timestamp"]}


def test_stream_continues_an_existing_session(client: Client) -> None:
    session_id = client.post("/chat", json={"message": "hi"}).json()["session_id"]
    events = parse_sse(client.post("/chat/stream", json={"message": "thanks", "session_id": session_id}).text)
    assert events[0] == ("session", {"session_id": session_id})
    assert len(client.get(f"/conversation/{session_id}").json()["messages"]) == 4


def test_stream_to_unknown_session_is_a_plain_404(client: Client) -> None:
    response = client.post("/chat/stream", json={"message": "hi", "session_id": "C" * 32})
    assert response.status_code == 404
