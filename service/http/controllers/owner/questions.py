"""GET /owner/api/questions and answering or dismissing one: teaching the twin."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter

from service.http.contract import AnswerRequest, QuestionsView
from service.http.openapi import error_responses
from service.http.owner_gate import client_ip
from service.owner.loop import Question
from service.owner.room import QuestionStatus, RoomQuestions

QuestionId = Annotated[str, Parameter(max_length=64, description="The question's id (12 hex characters).")]


class OwnerQuestionsController(Controller):
    path = "/api/questions"
    tags = ["owner"]

    @get(
        "/",
        summary="Questions the twin could not answer, most asked first",
        responses=error_responses(401, 503),
    )
    async def questions(
        self,
        questions: NamedDependency[RoomQuestions],
        status: Annotated[QuestionStatus, Parameter(description="Which ones (default: open).")] = "open",
    ) -> QuestionsView:
        return QuestionsView(questions=await questions.of_status(status))

    @post(
        "/{question_id:str}/answer",
        status_code=200,
        summary="Answer a question (or change an answer): the twin answers from it at once",
        responses=error_responses(400, 401, 403, 404, 503),
    )
    async def answer(
        self,
        request: Request[Any, Any, Any],
        question_id: QuestionId,
        data: JSONBody[AnswerRequest],
        questions: NamedDependency[RoomQuestions],
    ) -> Question:
        return await questions.answer(question_id, data.answer, client_ip(request))

    @post(
        "/{question_id:str}/dismiss",
        status_code=200,
        summary="Dismiss a question (spam, off-topic)",
        responses=error_responses(401, 403, 404, 503),
    )
    async def dismiss(
        self,
        request: Request[Any, Any, Any],
        question_id: QuestionId,
        questions: NamedDependency[RoomQuestions],
    ) -> Question:
        return await questions.dismiss(question_id, client_ip(request))
