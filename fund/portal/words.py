"""What the portal says, in the claimant's language: field names, kind error messages, statuses.

The submission schema (``fund/claims/submission_schema.py``) gives every error a stable code; services give
field names and codes. Nothing here decides a rule: it only words the answers for people.
"""

from __future__ import annotations

import re
from datetime import date

from flask_babel import format_date, gettext, lazy_gettext

from fund.claims.paper_claims import APPLICATION_FORM
from fund.claims.submission_messages import ErrorMessage

# Form fields, named by their path in the submission (``claimant.iin``), as the error summary names them.
FIELD_LABELS = {
    "role": lazy_gettext("Who is applying"),
    "claimant.full_name": lazy_gettext("Your full name"),
    "claimant.iin": lazy_gettext("Your IIN"),
    "claimant.birth_date": lazy_gettext("Your date of birth"),
    "victim": lazy_gettext("The person you are applying for"),
    "victim.full_name": lazy_gettext("Their full name"),
    "victim.iin": lazy_gettext("Their IIN"),
    "victim.birth_date": lazy_gettext("Their date of birth"),
    "crime.erdr_number": lazy_gettext("ERDR number of the criminal case"),
    "crime.article": lazy_gettext("Article of the Criminal Code"),
    "crime.part": lazy_gettext("Part of the article"),
    "crime.paragraph": lazy_gettext("Paragraph of the part"),
    "crime.by_criminal_group": lazy_gettext("Committed by a criminal group"),
    "crime.committed_on": lazy_gettext("Date of the crime"),
    "crime.recognized_on": lazy_gettext("Date you were recognised as a victim"),
    "crime.harm": lazy_gettext("Harm to health"),
    "crime.deadline_restored_by_court": lazy_gettext("Court decision on the deadline"),
    "deadline_choice": lazy_gettext("The three-year deadline"),
    "claimant.phone": lazy_gettext("Phone number"),
    "claimant.email": lazy_gettext("E-mail (if you have one)"),
    "claimant.language": lazy_gettext("Language of letters"),
    "claimant.iban": lazy_gettext("Bank account (IBAN)"),
    "consent": lazy_gettext("Consent"),
    "files": lazy_gettext("Documents"),
    "reference": lazy_gettext("Claim reference"),
    "access_code": lazy_gettext("Access code"),
    "reason": lazy_gettext("Why the decision should be looked at again"),
    "message": lazy_gettext("Your message to the Fund"),
    "confirm": lazy_gettext("Confirmation"),
    "withdraw": lazy_gettext("Withdraw the claim"),
}

_ERRORS = {
    "required": lazy_gettext("Please answer this question."),
    "reference_invalid": lazy_gettext(
        "Please write the claim reference as in your letters, for example VCF-2026-000123."
    ),
    "text_invalid": lazy_gettext("Please write this answer as text."),
    "name_length": lazy_gettext(
        "Please write the full name as in the identity document (2 to 200 characters)."
    ),
    "iin_invalid": lazy_gettext(
        "An IIN has 12 digits and begins with the date of birth. Please copy it from the identity card."
    ),
    "date_invalid": lazy_gettext("Please enter a real date: year, month and day, for example 2025-06-01."),
    "date_too_early": lazy_gettext("Please check the year: this date is before 1900."),
    "phone_invalid": lazy_gettext(
        "Please enter the phone number as you usually write it: +7 or 8, then 10 digits, "
        "for example 8 701 123 45 67 or +7 701 123 45 67."
    ),
    "email_invalid": lazy_gettext(
        "This does not look like an e-mail address. You may also leave this field empty."
    ),
    "iban_format": lazy_gettext(
        "A Kazakh account number (IBAN) begins with KZ and has 20 characters. "
        "You will find it in your bank's app or in your account agreement."
    ),
    "iban_checksum": lazy_gettext(
        "This account number has a mistyped character. Please copy it again from your bank details."
    ),
    "erdr_invalid": lazy_gettext(
        "The ERDR number has 15 digits. It is written in the decision that recognised you as a victim."
    ),
    "article_invalid": lazy_gettext("Please write only the number of the article, for example 146 or 99-1."),
    "article_not_text": lazy_gettext("Please write only the number of the article, for example 146 or 99-1."),
    "part_invalid": lazy_gettext(
        "Please write the part of the article as in the decision: a number from 1 to 10, for example 3, "
        "or a part with its sub-part, for example 3-1."
    ),
    "paragraph_invalid": lazy_gettext(
        "Please choose one of the paragraphs offered (a number from 1 to 9, as written in the decision), "
        "or the last answer if you are not sure."
    ),
    "boolean_invalid": lazy_gettext("Please choose yes or no."),
    "consent_required": lazy_gettext(
        "We can consider the claim only with your consent to use your personal data for it."
    ),
    "recognized_before_crime": lazy_gettext(
        "The date of recognition cannot be earlier than the date of the crime. Please check both dates."
    ),
    "victim_required": lazy_gettext("Please tell us about the person you are applying for."),
    "victim_iin_is_claimant": lazy_gettext(
        "This is your own IIN. If you are the victim yourself, "
        "choose \u201cI am the victim\u201d in the first step."
    ),
    "not_one_of": lazy_gettext("Please choose one of the answers offered."),
    "deadline_choice": lazy_gettext("Please choose one of the two answers about the deadline."),
    "type_not_allowed": lazy_gettext(
        "This file is not a PDF, JPEG or PNG document. Please choose a scan or a photo."
    ),
    "truncated": lazy_gettext(
        "This file is incomplete. Please save or scan it again and choose it once more."
    ),
    "too_large": lazy_gettext("This file is too large. Please send a file of at most %(limit)s MB."),
    "empty": lazy_gettext("This file is empty. Please choose the file again."),
    "unknown_code": lazy_gettext("Please choose what kind of document this is."),
    "too_many": lazy_gettext("Please send at most 10 files at a time."),
    "reason_length": lazy_gettext("Please write at least a sentence, and at most 4000 characters."),
    "message_length": lazy_gettext("Please write your message: at most 4000 characters."),
    # The claimant's own details (fund.claims.claimant_requests).
    "no_change": lazy_gettext("These are the details the Fund already has. Change at least one of them."),
    "same_account": lazy_gettext("This is the account the Fund already has for the payment."),
    "request_pending": lazy_gettext(
        "You have already asked for a new account. Please wait for the Fund's answer to that request."
    ),
    "claim_ended": lazy_gettext(
        "The claim has ended: a new account cannot be asked for. Please contact the Fund."
    ),
    "payment_in_batch": lazy_gettext(
        "The payment is already being prepared, so the account cannot be changed here. "
        "Please contact the Fund."
    ),
    "account_set_by_fund": lazy_gettext(
        "An officer entered the account after a failed payment. To change it, please contact the Fund."
    ),
    "granted": lazy_gettext(
        "Compensation has been granted on this claim, so it cannot be withdrawn online. "
        "Please contact the Fund."
    ),
    "decided": lazy_gettext(
        "This claim has been decided, so it cannot be withdrawn online. Please contact the Fund."
    ),
    "ended": lazy_gettext("This claim has already ended."),
}
_CHECK_ANSWER = lazy_gettext("Please check this answer.")


_DOCUMENT_SLOT = re.compile(r"document_(?:file|code)_([0-9]{1,2})")


def field_label(path: str) -> str:
    """The name of a form field as the claimant reads it; "" for a field with no name of its own.

    The documents' inputs are named by their place: ``document_file_2`` (sent with the claim) is
    "Document 2", ``file_death_certificate`` (asked for) is the document's name.
    """
    label = FIELD_LABELS.get(path)
    if label is not None:
        return str(label)
    slot = _DOCUMENT_SLOT.fullmatch(path)
    if slot:
        return gettext("Document %(number)s", number=int(slot.group(1)))
    if path.startswith("file_"):
        return document_name(path.removeprefix("file_"))
    return ""


def error_text(message: str, **values: object) -> str:
    """A schema or service error, as a kind sentence in the page's language.

    ``message`` is an :class:`ErrorMessage` from the schema (its code decides the words) or a
    plain code such as ``file_type``; anything else gets a general "please check this answer".
    """
    code = message.code if isinstance(message, ErrorMessage) else str(message)
    params = message.params if isinstance(message, ErrorMessage) else {}
    if code == "iin_birth_date_mismatch":
        born = format_date(date.fromisoformat(params["encoded"]), "long")
        return gettext(
            "This IIN belongs to a person born on %(date)s. Please check the IIN and the date of birth.",
            date=born,
        )
    if code == "date_in_future":
        return gettext("This date is in the future. Please check it.")
    text = _ERRORS.get(code, _CHECK_ANSWER)
    return str(text) % values if values else str(text)


# --- the crime's questions (the case step): the answers offered, and how the check step names them

_PARAGRAPH_NOT_SURE = lazy_gettext("Another paragraph, none, or I am not sure")
_GROUP_ANSWERS = {
    "yes": lazy_gettext("Yes"),
    "no": lazy_gettext("No"),
    "unknown": lazy_gettext("I do not know"),
}


def paragraph_answers(paragraphs: tuple[int, ...]) -> list[tuple[str, str]]:
    """The paragraphs the rules name for the claimant's article and part, then "not sure" (value ``none``)."""
    named = [(str(number), gettext("Paragraph %(number)s)", number=number)) for number in paragraphs]
    return [*named, ("none", str(_PARAGRAPH_NOT_SURE))]


def group_answers() -> list[tuple[str, str]]:
    """Yes, no, and "I do not know" to "committed by a criminal group?"."""
    return [(value, str(text)) for value, text in _GROUP_ANSWERS.items()]


def crime_answer(name: str, value: str) -> str:
    """An answer to one of the crime's questions as the check step shows it."""
    if name == "crime.paragraph":
        return str(_PARAGRAPH_NOT_SURE) if value == "none" else gettext("Paragraph %(number)s)", number=value)
    return str(_GROUP_ANSWERS.get(value, value))


# --- the claim's status, in plain words -------------------------------------------------------

STATUS_SENTENCES = {
    "submitted": lazy_gettext("We have received your claim. An officer is checking the documents."),
    "documents_requested": lazy_gettext("We need some more documents from you before we can go on."),
    "under_review": lazy_gettext("An officer is examining your claim."),
    "awaiting_approval": lazy_gettext(
        "The examination is finished. A senior officer is making the decision."
    ),
    "approved": lazy_gettext("Compensation has been granted to you. The Treasury is preparing the payment."),
    "payment_failed": lazy_gettext(
        "The bank could not accept the payment. "
        "An officer is correcting the bank details and will contact you."
    ),
    "paid": lazy_gettext("The compensation has been paid to your bank account. Your claim is closed."),
    "rejected": lazy_gettext(
        "The Fund has decided not to pay compensation. The reasons are in the decision letter below."
    ),
    "reconsideration": lazy_gettext("Another officer is looking at your claim again, as you asked."),
    "closed_incomplete": lazy_gettext(
        "The claim was closed because the requested documents did not arrive in time. You may apply again."
    ),
    "withdrawn": lazy_gettext("You withdrew this claim. The Fund does not examine it any further."),
}

# What happens next, by the key the portal service gives (``claimant_view(...).next_step``).
NEXT_STEP_SENTENCES = {
    "intake_check": lazy_gettext("An officer checks your documents."),
    "send_documents": lazy_gettext(
        "Please send the documents listed below. Without them the claim will be closed."
    ),
    "officer_review": lazy_gettext("An officer examines the claim and prepares a decision."),
    "approval": lazy_gettext("A senior officer, who did not examine the claim, makes the decision."),
    "payment": lazy_gettext("The Treasury pays the money to the bank account you gave."),
    "correct_bank_details": lazy_gettext(
        "An officer corrects the bank details; the payment is then sent again."
    ),
    "reconsideration_possible": lazy_gettext(
        "If you think the decision is wrong, you may ask for it to be looked at again."
    ),
    "reconsideration_review": lazy_gettext(
        "Another officer examines the claim again, then a decision is made."
    ),
    "none": lazy_gettext("Nothing more is needed from you."),
}


def status_sentence(status: str) -> str:
    """The claim's status in plain words."""
    return str(STATUS_SENTENCES.get(status, STATUS_SENTENCES["submitted"]))


def next_step_sentence(next_step: str) -> str:
    """What happens next, in plain words."""
    return str(NEXT_STEP_SENTENCES.get(next_step, NEXT_STEP_SENTENCES["none"]))


# Letters and documents, by kind and code.
LETTER_KINDS = {
    "acknowledgement": lazy_gettext("Acknowledgement of your claim"),
    "document_request": lazy_gettext("Request for documents"),
    "document_reminder": lazy_gettext("Reminder: documents are still needed"),
    "approval": lazy_gettext("Decision: compensation granted"),
    "rejection": lazy_gettext("Decision: compensation refused"),
}
DOCUMENT_NAMES = {
    "identity_document": lazy_gettext("Your identity document"),
    "victim_recognition_decision": lazy_gettext("The decision recognising the person as a victim"),
    "forensic_medical_report": lazy_gettext("Forensic medical report"),
    "death_certificate": lazy_gettext("Death certificate"),
    "kinship_proof": lazy_gettext("Proof of kinship or succession"),
    "representative_authority": lazy_gettext(
        "Proof that you may act for the victim (the child's birth certificate, a guardianship decision "
        "or a power of attorney)"
    ),
    "victim_identity_document": lazy_gettext("The victim's identity document"),
    "court_deadline_restoration": lazy_gettext("The court decision restoring the three-year deadline"),
    APPLICATION_FORM: lazy_gettext("Your application, on paper"),  # scanned by intake at the office
}


def letter_name(kind: str) -> str:
    """A letter's kind in the claimant's words."""
    return str(LETTER_KINDS.get(kind, gettext("Letter")))


def document_name(code: str) -> str:
    """A document's code in the claimant's words."""
    return str(DOCUMENT_NAMES.get(code, gettext("Other document")))
