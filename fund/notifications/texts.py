"""Every word of the e-mails to claimants, as English message ids of the Babel domain "emails".

The translations live in ``fund/translations/<lang>/LC_MESSAGES/emails.po`` (compiled ``.mo``
committed next to them). After changing a text here, extract, merge, translate and compile:

    pybabel extract -o fund/translations/emails.pot fund/notifications/texts.py
    pybabel update -D emails -i fund/translations/emails.pot -d fund/translations
    (translate every new or fuzzy entry in kk and ru)
    pybabel compile -D emails -d fund/translations

Readers were tortured, trafficked or harmed, or lost someone: each message is short and calm, and
says what happened, what happens next and by when, and where to look. E-mail is not a safe
channel, so a message names the claimant and the claim reference and nothing else about them:
never the access code, the IIN, the bank account, the amount, the category or the crime.

Kazakh puts a date in a case after most words; the Kazakh texts therefore use the date standing
alone ("Соңғы мерзім: 2026 жылғы 2 наурыз."), which every placeholder here provides.
"""

from __future__ import annotations

from dataclasses import dataclass


def N_(message: str) -> str:
    """Marks a message id for extraction; translated later, in the claimant's language."""
    return message


@dataclass(frozen=True)
class Wording:
    """One kind of message: its subject, what happened and what happens next."""

    subject: str
    happened: str
    next_steps: str
    lists_documents: bool = False  # the document list goes between the two paragraphs


GREETING = N_("Dear %(name)s,")
FOLLOW_YOUR_CLAIM = N_(
    "You can follow your claim at any time at %(status_url)s with the claim reference and the access "
    "code you received when you applied."
)
SAFETY = N_(
    "For your safety, our e-mails never contain your access code, IIN or bank details, and the Fund "
    "never asks for them by e-mail."
)
SIGNATURE = N_("Victims Compensation Fund")

DECISION_SUBJECT = N_("Decision on your claim %(reference)s")

WORDING: dict[str, Wording] = {
    "claim_received": Wording(
        subject=N_("Your claim %(reference)s has been received"),
        happened=N_(
            "We have received your claim for compensation and registered it under the reference "
            "%(reference)s. Please keep this reference."
        ),
        next_steps=N_(
            "An officer of the Fund will now check your documents. If a document is missing, we will "
            "write to you and say which one is needed and by what date to send it. You do not need to "
            "do anything now."
        ),
    ),
    "documents_requested": Wording(
        subject=N_("Documents needed for your claim %(reference)s"),
        happened=N_("To continue with your claim %(reference)s, we need these documents:"),
        next_steps=N_(
            "Please send them to the Fund, giving the claim reference, no later than %(respond_by)s. If "
            "they do not arrive by that date, the claim will be closed as incomplete. If you cannot get "
            "a document in time, please tell the Fund before that date."
        ),
        lists_documents=True,
    ),
    "documents_reminder": Wording(
        subject=N_("Reminder: documents still needed for your claim %(reference)s"),
        happened=N_(
            "We wrote to you about documents missing from your claim %(reference)s. We have not yet "
            "received these documents:"
        ),
        next_steps=N_(
            "Please send them no later than %(respond_by)s. After that date the claim will be closed as "
            "incomplete. If you have already sent them, thank you: you do not need to do anything else."
        ),
        lists_documents=True,
    ),
    "documents_received": Wording(
        subject=N_("We have received the documents for your claim %(reference)s"),
        happened=N_("We have received the documents for your claim %(reference)s. Thank you."),
        next_steps=N_(
            "An officer of the Fund will now check them. If anything is still missing, we will write to "
            "you. You do not need to do anything now."
        ),
    ),
    "review_started": Wording(
        subject=N_("Your claim %(reference)s is being examined"),
        happened=N_(
            "The documents for your claim %(reference)s are complete. An officer of the Fund is now "
            "examining the claim."
        ),
        next_steps=N_(
            "Then another officer will decide on it. We will write to you as soon as there is a "
            "decision. You do not need to do anything now."
        ),
    ),
    "approved": Wording(
        subject=N_("Compensation granted: claim %(reference)s"),
        happened=N_(
            "The Fund has decided to pay you compensation under claim %(reference)s. The decision "
            "letter, with the amount and how it was calculated, is on your claim's page."
        ),
        next_steps=N_(
            "The Treasury will transfer the money to the bank account given in your claim. You do not "
            "need to do anything. We will write to you when the payment has been made."
        ),
    ),
    "payment_failed": Wording(
        subject=N_("The payment for your claim %(reference)s did not go through"),
        happened=N_(
            "The Treasury could not transfer the compensation for your claim %(reference)s to the bank "
            "account given in the claim. The decision to pay you stands."
        ),
        next_steps=N_(
            "An officer of the Fund will contact you to check your bank details. Please do not send "
            "bank details by e-mail."
        ),
    ),
    "payment_retried": Wording(
        subject=N_("The payment for your claim %(reference)s will be made again"),
        happened=N_("Your bank details for claim %(reference)s have been checked and corrected."),
        next_steps=N_(
            "The Treasury will make the payment again. You do not need to do anything. We will write to "
            "you when the payment has been made."
        ),
    ),
    "paid": Wording(
        subject=N_("The compensation for your claim %(reference)s has been paid"),
        happened=N_(
            "The Treasury has paid the compensation under claim %(reference)s to the bank account given "
            "in your claim."
        ),
        next_steps=N_(
            "Your claim is now closed. If the money has not reached your account within five working "
            "days, please contact the Fund."
        ),
    ),
    "rejected": Wording(
        subject=DECISION_SUBJECT,
        happened=N_(
            "The Fund has decided not to pay compensation under claim %(reference)s. The decision "
            "letter, with the reasons, is on your claim's page."
        ),
        next_steps=N_(
            "If you disagree, you can ask for the decision to be reconsidered: write to the Fund no "
            "later than %(reconsideration_until)s, give the claim reference and say why you disagree. "
            "An officer who took no part in this decision will examine your claim again."
        ),
    ),
    "rejected_final": Wording(
        subject=DECISION_SUBJECT,
        happened=N_(
            "After reconsidering your claim %(reference)s, the Fund has decided not to pay "
            "compensation. The decision letter, with the reasons, is on your claim's page."
        ),
        next_steps=N_("This decision is final. You may challenge it in court."),
    ),
    "reconsideration_started": Wording(
        subject=N_("Your claim %(reference)s is being reconsidered"),
        happened=N_("We have received your request to reconsider the decision on claim %(reference)s."),
        next_steps=N_(
            "An officer who took no part in the first decision is now examining your claim. We will "
            "write to you as soon as there is a new decision. You do not need to do anything now."
        ),
    ),
    "closed_incomplete": Wording(
        subject=N_("Your claim %(reference)s has been closed"),
        happened=N_(
            "The documents requested for your claim %(reference)s did not arrive by %(respond_by)s, so "
            "the claim has been closed as incomplete."
        ),
        next_steps=N_("If something serious kept you from sending them, please contact the Fund."),
    ),
    # A new message from the fund on the portal. Never its content: e-mail is not a safe channel.
    "message_from_fund": Wording(
        subject=N_("A new message from the Fund about your claim %(reference)s"),
        happened=N_(
            "The Fund has written you a message about your claim %(reference)s. For your safety, the "
            "message itself is not in this e-mail."
        ),
        next_steps=N_("Please read it on your claim's page, where you can also answer it."),
    ),
    # The claimant's own details (fund.claims.claimant_requests): never the new values themselves.
    "contact_details_changed": Wording(
        subject=N_("The contact details for your claim %(reference)s were changed"),
        happened=N_(
            "The phone number, e-mail address or language of letters for your claim %(reference)s "
            "was changed on the Fund's portal. From now on we write to you as given there."
        ),
        next_steps=N_("If you did not make this change, please contact the Fund at once."),
    ),
    "contact_details_changed_old": Wording(
        subject=N_("The contact details for your claim %(reference)s were changed"),
        happened=N_(
            "The contact details for your claim %(reference)s were changed on the Fund's portal. "
            "The Fund will no longer write to this address."
        ),
        next_steps=N_("If you did not make this change, please contact the Fund at once."),
    ),
    "bank_account_confirmed": Wording(
        subject=N_("The new bank account for your claim %(reference)s is confirmed"),
        happened=N_(
            "An officer of the Fund has checked and confirmed the new bank account you asked for "
            "under claim %(reference)s."
        ),
        next_steps=N_(
            "The compensation, if it is paid, goes to this account. If you did not ask for this "
            "change, please contact the Fund at once."
        ),
    ),
    "bank_account_refused": Wording(
        subject=N_("Your request for a new bank account for claim %(reference)s"),
        happened=N_(
            "The Fund did not confirm the new bank account you asked for under claim %(reference)s. "
            "The reason is on your claim's page."
        ),
        next_steps=N_("The account you gave before stays. If you have questions, please contact the Fund."),
    ),
    # A lost access code (fund.claims.access_codes): never the code itself.
    "access_code_requested": Wording(
        subject=N_("A new access code was requested for your claim %(reference)s"),
        happened=N_(
            "Someone asked the Fund for a new access code for your claim %(reference)s. The code is never "
            "sent by e-mail: a Fund officer gives it only after checking the claimant's identity."
        ),
        next_steps=N_(
            "To receive it, come to a Fund office with your identity document or call the Fund. If you "
            "did not ask for a new code, please tell the Fund; your current code keeps working until then."
        ),
    ),
    "access_code_reissued": Wording(
        subject=N_("A new access code was issued for your claim %(reference)s"),
        happened=N_(
            "The Fund has issued a new access code for your claim %(reference)s after checking the "
            "claimant's identity. The old code no longer works."
        ),
        next_steps=N_("If you did not receive the new code yourself, please contact the Fund at once."),
    ),
    "claim_withdrawn": Wording(
        subject=N_("Your claim %(reference)s has been withdrawn"),
        happened=N_(
            "As you asked, your claim %(reference)s has been withdrawn. "
            "The Fund will not examine it any further."
        ),
        next_steps=N_("If this was a mistake, or you did not withdraw the claim, please contact the Fund."),
    ),
}

KINDS = tuple(WORDING)

# The supervisors' daily digest of the service levels (fund/notifications/digest.py): to staff,
# counts and claim references only.
DIGEST_SUBJECT = N_("Service levels, %(day)s: %(breaching)s claims past their targets")
DIGEST_OPENING = N_("The service levels of the Victims Compensation Fund at the start of the day, %(day)s.")
DIGEST_DECISION = N_(
    "Decision within %(days)s days of a complete claim: past the target: %(breaching)s; "
    "due within %(warning)s days: %(about_to_breach)s."
)
DIGEST_PAYMENT = N_(
    "Payment within %(days)s days of approval: past the target: %(breaching)s; "
    "due within %(warning)s days: %(about_to_breach)s."
)
DIGEST_TASKS = N_("Officers' tasks: past their due date: %(overdue)s; due within two days: %(due_soon)s.")
DIGEST_DECISION_REFERENCES = N_("Longest past the decision target: %(references)s")
DIGEST_PAYMENT_REFERENCES = N_("Longest past the payment target: %(references)s")
DIGEST_PAGE = N_("Every claim, with the days over or left, is on the supervisors' page: %(url)s")
DIGEST_PRIVACY = N_(
    "This e-mail holds counts and claim references only; the claims themselves are shown after signing in."
)

DIGEST_MESSAGE_IDS = {
    DIGEST_SUBJECT,
    DIGEST_OPENING,
    DIGEST_DECISION,
    DIGEST_PAYMENT,
    DIGEST_TASKS,
    DIGEST_DECISION_REFERENCES,
    DIGEST_PAYMENT_REFERENCES,
    DIGEST_PAGE,
    DIGEST_PRIVACY,
}


def message_ids() -> set[str]:
    """Every message id above: the catalog of each language must translate exactly these."""
    ids = {GREETING, FOLLOW_YOUR_CLAIM, SAFETY, SIGNATURE}
    for wording in WORDING.values():
        ids.update((wording.subject, wording.happened, wording.next_steps))
    return ids | DIGEST_MESSAGE_IDS
