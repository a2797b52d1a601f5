from django.urls import path

from complaintdesk.desk import answers, board, customers, incidents, intake, search, views

app_name = "desk"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("bulk/", views.bulk, name="bulk"),
    path("new/", intake.new_case, name="new_case"),
    path("board/", board.board, name="board"),
    path("search/", search.search, name="search"),
    path("cases/<str:reference>/", views.case_detail, name="case"),
    path("cases/<str:reference>/classify/", views.classify, name="classify"),
    path("cases/<str:reference>/message/", views.add_message, name="message"),
    path("cases/<str:reference>/answer-text/", answers.answer_text, name="answer_text"),
    path("cases/<str:reference>/transition/", views.transition, name="transition"),
    path("cases/<str:reference>/close/", views.close, name="close"),
    path("cases/<str:reference>/assign/", views.assign, name="assign"),
    path("cases/<str:reference>/escalate/", views.escalate, name="escalate"),
    path("cases/<str:reference>/link/", views.link, name="link"),
    path("cases/<str:reference>/decide/", views.decide, name="decide"),
    path("customers/<int:customer_id>/", customers.customer_page, name="customer"),
    path("customers/<int:customer_id>/merge/", customers.merge, name="customer_merge"),
    path("customers/<int:customer_id>/products/", customers.upload_products,
         name="customer_products"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("answers/", answers.answer_list, name="answers"),
    path("answers/new/", answers.answer_edit, name="answer_new"),
    path("answers/<int:pk>/", answers.answer_edit, name="answer"),
    path("incidents/", incidents.incident_list, name="incidents"),
    path("incidents/<int:pk>/", incidents.incident_detail, name="incident"),
    path("incidents/<int:pk>/answer/", incidents.incident_answer, name="incident_answer"),
]
