"""The conversation between a claimant and the fund over the API, with the roles and rules of the
claim page and the portal's status page: the claimant (``X-Access-Code``) writes and reads the
answer; officers who work claims answer (the claimant told by e-mail, without the words); auditors
read but never answer; every staff read and every staff download is written to the access log."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from fund.api.conversation import MESSAGE_RULE
from fund.claims.claimant_messages import MAX_MESSAGE
from fund.extensions import db
from fund.models import AccessLogEntry, ClaimMessage, MessageAttachment, Notification
from fund.notifications.queue import MESSAGE_FROM_FUND
from tests.conftest import error_of

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def url(reference: str) -> str:
    return f"/api/v1/claims/{reference}/conversation"


def claimant(submitted) -> dict[str, str]:
    return {"X-Access-Code": submitted["access_code"]}


def write(client, reference, headers, message="", *files, **extra_headers):
    """POST the words and (name, bytes) files as multipart parts."""
    data: dict = {"message": message}
    if files:
        data["files"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post(
        url(reference), data=data, headers={**headers, **extra_headers}, content_type="multipart/form-data"
    )


def access_log() -> list[tuple[str, str]]:
    db.session.expire_all()
    rows = db.session.execute(
        select(AccessLogEntry.username, AccessLogEntry.what).order_by(AccessLogEntry.id)
    )
    return [(r.username, r.what) for r in rows]


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def submitted(submit):
    return submit()


def test_the_claimant_writes_an_officer_answers_and_the_claimant_reads_the_answer(
    client, officers, submitted
):
    reference = submitted["reference"]

    sent = write(client, reference, claimant(submitted), "  Когда мне прислать справку?\r\n")

    assert sent.status_code == 201, sent.get_json()
    mine = sent.get_json()["message"]
    assert (mine["sender"], mine["author"], mine["text"], mine["files"]) == (
        "claimant", None, "Когда мне прислать справку?", []
    )  # fmt: skip
    assert "read_at" not in mine  # whether an officer read it is the fund's concern
    assert _message_mails() == []  # a claimant's message is never e-mailed

    # An officer who works claims reads it: unread until now, and now marked read, as on the page.
    staff_read = client.get(url(reference), headers=officers.headers("ivan"))
    assert staff_read.status_code == 200, staff_read.get_json()
    [listed] = staff_read.get_json()["messages"]
    assert (listed["id"], listed["read_at"]) == (mine["id"], None)
    assert ("ivan", "messages with the claimant") in access_log()
    db.session.expire_all()
    assert db.session.get(ClaimMessage, mine["id"]).read_by == "ivan"

    answer = client.post(url(reference), json={"message": "Справку пришлите до 1 апреля."},
                         headers=officers.headers("ivan"))  # fmt: skip
    assert answer.status_code == 201, answer.get_json()
    written = answer.get_json()["message"]
    assert (written["sender"], written["author"]) == ("fund", "ivan")
    # The claimant is told by e-mail that a message waits, never what it says.
    [mail] = _message_mails()
    assert "Справку пришлите" not in (mail.subject + mail.body)

    read = client.get(url(reference), headers=claimant(submitted))
    assert read.status_code == 200, read.get_json()
    assert read.headers["Cache-Control"] == "no-store"
    assert [(m["sender"], m["author"], m["text"]) for m in read.get_json()["messages"]] == [
        ("claimant", None, "Когда мне прислать справку?"),
        ("fund", "ivan", "Справку пришлите до 1 апреля."),
    ]
    assert all("read_at" not in m for m in read.get_json()["messages"])


def _message_mails() -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).where(Notification.kind == MESSAGE_FROM_FUND)))


def test_an_auditor_reads_without_marking_read_and_may_not_answer(client, officers, submitted):
    reference = submitted["reference"]
    mine = write(client, reference, claimant(submitted), "Вопрос").get_json()["message"]

    read = client.get(url(reference), headers=officers.headers("aida"))
    assert read.status_code == 200, read.get_json()
    assert ("aida", "messages with the claimant") in access_log()
    db.session.expire_all()
    assert db.session.get(ClaimMessage, mine["id"]).read_at is None

    refused = client.post(url(reference), json={"message": "Ответ"}, headers=officers.headers("aida"))
    error_of(refused, 403)
    assert count(ClaimMessage) == 1


def test_staff_who_may_not_read_the_messages_are_refused(client, officers, submitted):
    reference = submitted["reference"]
    write(client, reference, claimant(submitted), "Вопрос")

    error_of(client.get(url(reference), headers=officers.headers("adil")), 403)
    error_of(client.post(url(reference), json={"message": "x"}, headers=officers.headers("adil")), 403)
    assert ("adil", "messages with the claimant") not in access_log()


def test_another_claims_access_code_finds_nothing(client, submit, submitted):
    other = submit()
    reference = submitted["reference"]
    mine = write(client, reference, claimant(submitted), "Вопрос", ("справка.pdf", PDF)).get_json()["message"]

    error_of(client.get(url(reference), headers=claimant(other)), 404)
    error_of(write(client, reference, claimant(other), "Чужое"), 404)
    file_url = mine["files"][0]["url"]
    error_of(client.get(file_url, headers=claimant(other)), 404)
    # The other claim's own address does not open this claim's file either.
    error_of(
        client.get(f"{url(other['reference'])}/files/{mine['files'][0]['id']}", headers=claimant(other)), 404
    )
    assert count(ClaimMessage) == 1


def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(client, officers, submitted):
    reference = submitted["reference"]
    me = claimant(submitted)

    empty = error_of(write(client, reference, me, "   "), 422)
    assert empty["fields"] == {"message": [MESSAGE_RULE]}
    too_long = error_of(client.post(url(reference), json={"message": "а" * (MAX_MESSAGE + 1)},
                                    headers=officers.headers("ivan")), 422)  # fmt: skip
    assert too_long["fields"] == {"message": [MESSAGE_RULE]}
    not_text = error_of(client.post(url(reference), json={"message": 5}, headers=me), 422)
    assert "message" in not_text["fields"]
    unknown = error_of(client.post(url(reference), json={"message": "x", "subject": "y"}, headers=me), 422)
    assert list(unknown["fields"]) == ["subject"]
    wrong_file = error_of(
        write(client, reference, me, "См. файл", ("a.pdf", PDF), ("b.exe", b"MZ\x90\x00")), 422
    )
    assert list(wrong_file["fields"]) == ["files.1"]
    assert "PDF, JPEG or PNG" in wrong_file["fields"]["files.1"][0]
    not_a_file = error_of(client.post(url(reference), data={"message": "x", "files": "справка"}, headers=me,
                                      content_type="multipart/form-data"), 422)  # fmt: skip
    assert list(not_a_file["fields"]) == ["files"]
    form = error_of(client.post(url(reference), data="message=x", headers=me,
                                content_type="application/x-www-form-urlencoded"), 400)  # fmt: skip
    assert "" in form["fields"]
    assert (count(ClaimMessage), count(MessageAttachment)) == (0, 0)


def test_a_retry_with_the_same_idempotency_key_writes_once(client, officers, submitted):
    reference = submitted["reference"]
    key = {"Idempotency-Key": "conversation-0001"}

    first = write(client, reference, claimant(submitted), "Один раз", ("a.pdf", PDF), **key)
    again = write(client, reference, claimant(submitted), "Один раз", ("a.pdf", PDF), **key)

    assert first.status_code == again.status_code == 201, again.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert (count(ClaimMessage), count(MessageAttachment)) == (1, 1)
    other = write(client, reference, claimant(submitted), "Другое", **key)
    assert "Idempotency-Key" in error_of(other, 422)["fields"]
    # An officer's answer, retried, is sent (and announced) once.
    answer_key = {**officers.headers("ivan"), "Idempotency-Key": "answer-0001"}
    for _ in range(2):
        assert client.post(url(reference), json={"message": "Ответ"}, headers=answer_key).status_code == 201
    assert count(ClaimMessage) == 2
    assert len(_message_mails()) == 1


def test_files_are_downloaded_by_the_claimant_and_by_officers_each_officers_download_logged(
    client, officers, submitted
):
    reference = submitted["reference"]
    answer = write(client, reference, officers.headers("rita"), "Образец заявления", ("образец.pdf", PDF))
    assert answer.status_code == 201, answer.get_json()
    [file] = answer.get_json()["message"]["files"]
    assert (file["filename"], file["content_type"]) == ("образец.pdf", "application/pdf")
    assert file["size"] == len(PDF)

    own = client.get(file["url"], headers=claimant(submitted))
    assert own.status_code == 200
    assert own.data == PDF
    assert own.headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in own.headers["Content-Disposition"]
    assert access_log() == []  # the claimant's own correspondence is not logged

    by_staff = client.get(file["url"], headers=officers.headers("farida"))
    assert by_staff.status_code == 200 and by_staff.data == PDF
    assert access_log() == [("farida", f"message file {file['id']}: образец.pdf")]

    # Auditors see the file's name in the conversation but may not open it; nothing logged.
    error_of(client.get(file["url"], headers=officers.headers("aida")), 403)
    error_of(client.get(f"{url(reference)}/files/999999", headers=officers.headers("farida")), 404)
    assert [row for row in access_log() if row[1].startswith("message file")] == [
        ("farida", f"message file {file['id']}: образец.pdf")
    ]


def test_without_a_token_or_an_access_code_the_conversation_is_closed(client, submitted):
    reference = submitted["reference"]
    error_of(client.get(url(reference)), 401)
    error_of(client.post(url(reference), json={"message": "x"}), 401)
    error_of(client.get(f"{url(reference)}/files/1"), 401)
