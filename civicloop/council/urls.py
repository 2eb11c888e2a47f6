# SPDX-License-Identifier: MPL-2.0
from django.urls import path

from civicloop.council import views

app_name = "council"
urlpatterns = [
    path("staff/council/", views.session_list, name="session-list"),
    path("staff/council/<uuid:public_id>/", views.session_board, name="session-board"),
    path("staff/council/<uuid:public_id>/answer-book.pdf", views.answer_book, name="answer-book-download"),
    path("staff/council/questions/<uuid:public_id>/", views.question_detail, name="question-detail"),
    path("staff/council/questions/<uuid:public_id>/assign/", views.question_assign, name="question-assign"),
    path("staff/council/answers/<uuid:public_id>/start/", views.answer_start, name="answer-start"),
    path("staff/council/answers/<uuid:public_id>/advance/", views.answer_advance, name="answer-advance"),
]
