"""Every word the letters and the verification page say, in Kazakh, Russian and English.

Plain, calm, short sentences: the readers were hurt by a crime and may read this on a phone.
Placeholders in braces are filled by :mod:`fund.letters.pdf`. Dates come in ready-made forms,
because Kazakh puts the month in a case: ``{x}`` is the date as it stands alone
("2026 жылғы 2 наурыз"), ``{x_on}`` says when something happened ("2026 жылғы 2 наурызда") and
``{x_from}`` goes before "кешіктірмей", not later than ("2026 жылғы 2 наурыздан"). In Russian and
English the three forms are the same.

The English labels of document and rejection-reason codes are those of bpmn/forms/codes.json
(a test keeps them equal); every code there must have a label here in all three languages.
"""

from __future__ import annotations

import re
from datetime import date

from fund.common import fund_settings

LANGUAGES = ("kk", "ru", "en")
KAZAKH_LETTERS = "әғқңөұүһіӘҒҚҢӨҰҮҺІ"

FUND_NAME = {
    "kk": "Жәбірленушілерге өтемақы қоры",
    "ru": "Фонд компенсации потерпевшим",
    "en": "Victims Compensation Fund",
}

DOCUMENT_LABELS: dict[str, dict[str, str]] = {
    "identity_document": {
        "kk": "Өтініш берушінің жеке басын куәландыратын құжат",
        "ru": "Документ, удостоверяющий личность заявителя",
        "en": "Identity document of the claimant",
    },
    "victim_recognition_decision": {
        "kk": "Адамды жәбірленуші деп тану туралы қаулы",
        "ru": "Постановление о признании лица потерпевшим",
        "en": "Decision recognising the person as a victim",
    },
    "forensic_medical_report": {
        "kk": "Сот-медициналық сараптама қорытындысы",
        "ru": "Заключение судебно-медицинской экспертизы",
        "en": "Forensic medical report",
    },
    "death_certificate": {
        "kk": "Қайтыс болғаны туралы куәлік",
        "ru": "Свидетельство о смерти",
        "en": "Death certificate",
    },
    "kinship_proof": {
        "kk": "Туыстықты немесе құқықтық мирасқорлықты растайтын құжат",
        "ru": "Документ, подтверждающий родство или правопреемство",
        "en": "Proof of kinship or succession",
    },
    "representative_authority": {
        "kk": "Жәбірленушінің өкілі болу құқығын растайтын құжат (кәмелетке толмаған баланың туу "
        "туралы куәлігі, қорғаншылық туралы шешім немесе сенімхат)",
        "ru": "Документ, подтверждающий право представлять потерпевшего (свидетельство о рождении "
        "несовершеннолетнего, решение об опеке или доверенность)",
        "en": "Proof of authority to represent the victim (birth certificate of the minor, "
        "guardianship decision or power of attorney)",
    },
    "victim_identity_document": {
        "kk": "Жәбірленушінің жеке басын куәландыратын құжат",
        "ru": "Документ, удостоверяющий личность потерпевшего",
        "en": "Identity document of the victim",
    },
    "court_deadline_restoration": {
        "kk": "Үш жылдық мерзімді қалпына келтіру туралы сот шешімі",
        "ru": "Решение суда о восстановлении трёхлетнего срока",
        "en": "Court decision restoring the three-year deadline",
    },
}

REJECTION_REASON_LABELS: dict[str, dict[str, str]] = {
    "deadline_missed": {
        "kk": "Өтініш адам жәбірленуші деп танылғаннан кейін үш жылдан астам уақыт өткен соң берілген, "
        "ал мерзімді қалпына келтіру туралы сот шешімі жоқ",
        "ru": "Заявление подано более чем через три года после признания лица потерпевшим, "
        "и нет решения суда о восстановлении срока",
        "en": "The claim was made more than three years after the person was recognised as a victim, "
        "and no court decision restores the deadline",
    },
    "crime_not_covered": {
        "kk": "Қор мұндай қылмыс үшін өтемақы төлемейді",
        "ru": "Фонд не выплачивает компенсацию по такому преступлению",
        "en": "The crime is not one for which the Fund pays compensation",
    },
    "not_recognised_as_victim": {
        "kk": "Адам қылмыстық іс бойынша жәбірленуші деп танылмаған",
        "ru": "Лицо не признано потерпевшим по уголовному делу",
        "en": "The person has not been recognised as a victim in the criminal case",
    },
    "documents_missing": {
        "kk": "Өтінішке қажетті құжаттар ұсынылмаған",
        "ru": "Не представлены документы, необходимые для заявления",
        "en": "Documents the claim needs were not provided",
    },
    "documents_inconsistent": {
        "kk": "Құжаттар бір-бірімен немесе өтініштегі мәліметтермен сәйкес келмейді",
        "ru": "Документы не согласуются друг с другом или с заявлением",
        "en": "The documents do not agree with each other or with the claim",
    },
    "successor_requires_death": {
        "kk": "Туысы немесе құқықтық мирасқоры өтінішті жәбірленуші қылмыс салдарынан қайтыс болған "
        "жағдайда ғана бере алады",
        "ru": "Родственник или правопреемник может подать заявление, только если потерпевший погиб "
        "в результате преступления",
        "en": "A relative or legal successor can claim only when the victim died as a result of the crime",
    },
    "death_requires_successor": {
        "kk": "Жәбірленуші қылмыс салдарынан қайтыс болды, сондықтан өтінішті жәбірленушінің құқықтары "
        "берілген адам (туысы немесе құқықтық мирасқоры) беруі керек",
        "ru": "Потерпевший погиб в результате преступления, поэтому заявление должно подать лицо, "
        "которому переданы права потерпевшего (родственник или правопреемник)",
        "en": "The victim died as a result of the crime, so the claim must be made by the person given "
        "the victim's rights (a relative or legal successor)",
    },
    "article_part_not_covered": {
        "kk": "Қор істе көрсетілген Қылмыстық кодекс бабы немесе бабының бөлігі бойынша өтемақы төлемейді",
        "ru": "Фонд не выплачивает компенсацию по статье или части статьи Уголовного кодекса, "
        "указанной в деле",
        "en": "The article or part of the Criminal Code in the case is not one for which the Fund pays "
        "compensation",
    },
    "already_compensated": {
        "kk": "Бұл қылмыс үшін өтемақы бұрын төленген",
        "ru": "Компенсация за это преступление уже выплачена",
        "en": "Compensation for this crime has already been paid",
    },
    "duplicate_claim": {
        "kk": "Сол жәбірленуші мен сол қылмыстық іс бойынша басқа өтініш қаралуда: өтемақы бір "
        "жәбірленушіге бір іс бойынша бір рет төленеді",
        "ru": "По тому же потерпевшему и тому же уголовному делу рассматривается другое заявление: "
        "компенсация выплачивается один раз на потерпевшего и дело",
        "en": "Another claim for the same victim and criminal case is being decided: compensation is "
        "paid once per victim and case",
    },
    "false_information": {
        "kk": "Өтініште жалған мәліметтер бар",
        "ru": "Заявление содержит недостоверные сведения",
        "en": "The claim contains false information",
    },
    "other": {
        "kk": "Басқа себеп, ол қызметкердің түсініктемесінде көрсетілген",
        "ru": "Другая причина, указанная в пояснении сотрудника",
        "en": "Another reason, explained in the officer's note",
    },
}

# What each kind of letter is called: on the verification page and in the PDF's metadata.
KIND_NAMES: dict[str, dict[str, str]] = {
    "acknowledgement": {
        "kk": "Өтініштің қабылданғаны туралы хабарлама",
        "ru": "Подтверждение получения заявления",
        "en": "Acknowledgement of the claim",
    },
    "document_request": {
        "kk": "Құжаттарды сұрау",
        "ru": "Запрос документов",
        "en": "Request for documents",
    },
    "document_reminder": {
        "kk": "Құжаттар туралы еске салу",
        "ru": "Напоминание о документах",
        "en": "Reminder about documents",
    },
    "approval": {
        "kk": "Өтемақы төлеу туралы шешім",
        "ru": "Решение о выплате компенсации",
        "en": "Decision to pay compensation",
    },
    "rejection": {
        "kk": "Өтемақы төлеуден бас тарту туралы шешім",
        "ru": "Решение об отказе в выплате компенсации",
        "en": "Decision to refuse compensation",
    },
}

# The parts every letter has: header, addressee, verification block, closing.
COMMON: dict[str, dict[str, str]] = {
    "kk": {
        "letter_number": "Хат № {number}",
        "date": "Күні: {issued_on}",
        "to": "Кімге: {name}",
        "claim": "Өтініштің нөмірі: {reference}",
        "greeting": "Құрметті {name}!",
        "replaces": "Бұл хат {replaced_on_on} берілген № {replaced_number} хаттың орнына берілді.",
        "verification_title": "Хатты қалай тексеруге болады",
        "verification_code": "Тексеру коды: {code}",
        "verification_how": "Хаттың түпнұсқа екенін және өзгертілмегенін тексеру үшін {verify_url} бетін "
        "ашып, осы кодты енгізіңіз. Сол жерге осы PDF файлды да жүктей аласыз.",
        "closing": "Құрметпен,",
        "footer": "Хат № {number} · {page}-бет",
        "signature_title": "Электрондық қолтаңбамен қол қойылған",
        "signature_signer": "Қол қойған: {signer}",
        "signature_date": "Қол қойылған күні: {signed_on}",
        "signature_check": "Тексеру: {verify_url}",
        "legal_title": "Құқықтық негізі",
        "legal_rule_one": "Қолданылған шешім ережесі: «{table}» кестесінің № {rows} жолы.",
        "legal_rule_many": "Қолданылған шешім ережелері: «{table}» кестесінің № {rows} жолдары.",
        "legal_rule_words": "Ереженің мәтіні Қордың ережелер кестесінде (ағылшын тілінде) жазылғандай:",
        "appeal_title": "Шешімге қалай шағымдануға болады",
        "contact_title": "Қорға қалай хабарласуға болады",
        "contact_phone": "Телефон: {phone}",
        "contact_email": "Электрондық пошта: {email}",
        "contact_hours": "Жұмыс уақыты: {hours}",
        "contact_all": "Қордың барлық өңірлердегі байланыс пункттері: {contacts_url}",
    },
    "ru": {
        "letter_number": "Письмо № {number}",
        "date": "Дата: {issued_on}",
        "to": "Кому: {name}",
        "claim": "Номер заявления: {reference}",
        "greeting": "Здравствуйте, {name}!",
        "replaces": "Это письмо заменяет письмо № {replaced_number} от {replaced_on}.",
        "verification_title": "Как проверить это письмо",
        "verification_code": "Код проверки: {code}",
        "verification_how": "Чтобы убедиться, что письмо выдано Фондом и не изменено, откройте страницу "
        "{verify_url} и введите этот код. Там же можно загрузить этот PDF-файл.",
        "closing": "С уважением,",
        "footer": "Письмо № {number} · стр. {page}",
        "signature_title": "Подписано электронной подписью",
        "signature_signer": "Подписал: {signer}",
        "signature_date": "Дата подписания: {signed_on}",
        "signature_check": "Проверка: {verify_url}",
        "legal_title": "Правовое основание",
        "legal_rule_one": "Применённое правило: таблица решений «{table}», строка № {rows}.",
        "legal_rule_many": "Применённые правила: таблица решений «{table}», строки № {rows}.",
        "legal_rule_words": "Текст правила, как он записан в таблице правил Фонда (на английском языке):",
        "appeal_title": "Как обжаловать решение",
        "contact_title": "Как связаться с Фондом",
        "contact_phone": "Телефон: {phone}",
        "contact_email": "Электронная почта: {email}",
        "contact_hours": "Часы работы: {hours}",
        "contact_all": "Все контактные пункты Фонда по регионам: {contacts_url}",
    },
    "en": {
        "letter_number": "Letter No. {number}",
        "date": "Date: {issued_on}",
        "to": "To: {name}",
        "claim": "Claim reference: {reference}",
        "greeting": "Dear {name},",
        "replaces": "This letter replaces letter No. {replaced_number} of {replaced_on}.",
        "verification_title": "How to check this letter",
        "verification_code": "Verification code: {code}",
        "verification_how": "To check that this letter was issued by the Fund and has not been changed, "
        "open {verify_url} and enter the code. You can also upload this PDF file there.",
        "closing": "Yours sincerely,",
        "footer": "Letter No. {number} · page {page}",
        "signature_title": "Signed electronically",
        "signature_signer": "Signed by: {signer}",
        "signature_date": "Signed on: {signed_on}",
        "signature_check": "Check it at: {verify_url}",
        "legal_title": "Legal basis",
        "legal_rule_one": 'Decision rule applied: decision table "{table}", row No. {rows}.',
        "legal_rule_many": 'Decision rules applied: decision table "{table}", rows No. {rows}.',
        "legal_rule_words": "The rule's text, as the Fund's rules table states it:",
        "appeal_title": "How to challenge a decision",
        "contact_title": "How to reach the Fund",
        "contact_phone": "Phone: {phone}",
        "contact_email": "E-mail: {email}",
        "contact_hours": "Opening hours: {hours}",
        "contact_all": "All the Fund's contact points by region: {contacts_url}",
    },
}

# The body of each kind of letter. Keys other than "title" are paragraphs; pdf.py decides which
# ones a letter uses (for example "reconsider" or "final" for a rejection) and where lists go.
BODIES: dict[str, dict[str, dict[str, str]]] = {
    "kk": {
        "acknowledgement": {
            "title": "Өтінішіңіз қабылданды",
            "received": "Өтемақы төлеу туралы өтінішіңізді алдық. Ол {submitted_on_on} {reference} "
            "нөмірімен тіркелді. Осы нөмірді сақтап қойыңыз: өтінішіңіз осы нөмір бойынша табылады.",
            "next": "Енді Қор қызметкері құжаттарыңызды тексереді. Егер қандай да бір құжат жетіспесе, "
            "қай құжат керек екенін және оны қай күнге дейін жіберу керектігін сізге жазып жібереміз.",
            "status": "Өтінішіңіздің барысын Қордың {site_url} сайтынан кез келген уақытта біле аласыз: "
            "ол үшін өтініштің нөмірі мен өтініш берген кезде алған кіру кодыңыз керек.",
            "nothing_to_do": "Қазір сізге басқа ештеңе істеудің қажеті жоқ.",
        },
        "document_request": {
            "title": "Өтінішіңізге қажет құжаттар",
            "intro": "{reference} нөмірлі өтінішіңізді қарауды жалғастыру үшін бізге мына құжаттар қажет:",
            "send_by": "Оларды {respond_by_from} кешіктірмей Қорға жіберіңіз және өтініштің нөмірін "
            "көрсетіңіз.",
            "closed_if_late": "Егер құжаттар осы күнге дейін келмесе, өтініш толық емес деп жабылады.",
            "help": "Құжатты уақытында ала алмасаңыз, бұл туралы осы күнге дейін Қорға хабарлаңыз.",
        },
        "document_reminder": {
            "title": "Еске салу: әлі қажет құжаттар",
            "intro": "{reference} нөмірлі өтінішіңізге жетіспейтін құжаттар туралы сізге жазған едік. "
            "Мына құжаттар әлі келген жоқ:",
            "send_by": "Оларды {respond_by_from} кешіктірмей жіберіңіз. Осы күннен кейін өтініш толық "
            "емес деп жабылады.",
            "already_sent": "Егер оларды жіберіп қойған болсаңыз, рахмет: басқа ештеңе істеудің қажеті жоқ.",
        },
        "approval": {
            "title": "Өтемақы тағайындалды",
            "decision": "Қор {decision_date_on} {reference} нөмірлі өтінішіңіз бойынша сізге өтемақы "
            "төлеу туралы шешім қабылдады.",
            "amount": "Төленетін сома: {amount_kzt} теңге.",
            "calculation": "Өтемақы мөлшері — {amount_mci} АЕК (айлық есептік көрсеткіш). Шешім "
            "қабылданған күні бір АЕК {mci_rate} теңгеге тең болды: {amount_mci} × {mci_rate} = "
            "{amount_kzt} теңге.",
            "payment": "Төлем қалай жасалады: Қазынашылық ақшаны өтініште көрсетілген банк шотыңызға "
            "аударады (шоттың соңғы таңбалары: {iban_tail}). Сізге ештеңе істеудің қажеті жоқ. Егер "
            "төлем өтпесе, банк деректеріңізді нақтылау үшін сізбен байланысамыз.",
        },
        "rejection": {
            "title": "Өтінішіңіз бойынша шешім",
            "decision": "Қор {decision_date_on} {reference} нөмірлі өтінішіңіз бойынша өтемақы төлеуден "
            "бас тарту туралы шешім қабылдады.",
            "reasons": "Себептері:",
            "note": "Қызметкердің түсініктемесі:",
            "reconsider": "Шешіммен келіспесеңіз, оны қайта қарауды сұрай аласыз. Ол үшін "
            "{reconsideration_until_from} кешіктірмей Қорға жазыңыз: өтініштің нөмірін көрсетіп, неге "
            "келіспейтініңізді түсіндіріңіз; құжаттарды қоса беруге болады. Өтінішіңізді осы шешімді "
            "қабылдауға қатыспаған қызметкер қайта қарайды. Осы күннен кейін өтініш жабылады.",
            "final": "Бұл шешім түпкілікті: өтінішіңіз бір рет қайта қаралды. Шешімге сотқа шағымдана "
            "аласыз.",
        },
    },
    "ru": {
        "acknowledgement": {
            "title": "Ваше заявление получено",
            "received": "Мы получили ваше заявление о выплате компенсации. Оно зарегистрировано "
            "{submitted_on} под номером {reference}. Сохраните этот номер: по нему находят ваше заявление.",
            "next": "Сейчас сотрудник Фонда проверит ваши документы. Если какого-то документа не хватает, "
            "мы напишем вам, какой документ нужен и до какой даты его прислать.",
            "status": "Следить за заявлением можно в любое время на сайте Фонда {site_url}: понадобятся "
            "номер заявления и код доступа, который вы получили при подаче заявления.",
            "nothing_to_do": "Сейчас больше ничего делать не нужно.",
        },
        "document_request": {
            "title": "Документы, которые нужны для вашего заявления",
            "intro": "Чтобы продолжить рассмотрение вашего заявления {reference}, нам нужны следующие "
            "документы:",
            "send_by": "Пожалуйста, пришлите их в Фонд не позднее {respond_by} и укажите номер заявления.",
            "closed_if_late": "Если документы не поступят к этой дате, заявление будет закрыто как неполное.",
            "help": "Если вы не успеваете получить документ, сообщите об этом в Фонд до этой даты.",
        },
        "document_reminder": {
            "title": "Напоминание: документы, которые ещё нужны",
            "intro": "Мы писали вам о документах, которых не хватает в заявлении {reference}. Эти "
            "документы ещё не поступили:",
            "send_by": "Пожалуйста, пришлите их не позднее {respond_by}. После этой даты заявление будет "
            "закрыто как неполное.",
            "already_sent": "Если вы уже отправили их, спасибо: больше ничего делать не нужно.",
        },
        "approval": {
            "title": "Компенсация назначена",
            "decision": "{decision_date} Фонд принял решение выплатить вам компенсацию по заявлению "
            "{reference}.",
            "amount": "Сумма к выплате: {amount_kzt} тенге.",
            "calculation": "Размер компенсации — {amount_mci} МРП (месячный расчётный показатель). На дату "
            "решения один МРП равнялся {mci_rate} тенге: {amount_mci} × {mci_rate} = {amount_kzt} тенге.",
            "payment": "Как будет произведена выплата: Казначейство перечислит деньги на банковский счёт, "
            "указанный в заявлении (счёт оканчивается на {iban_tail}). Вам ничего делать не нужно. Если "
            "платёж не пройдёт, мы свяжемся с вами, чтобы уточнить банковские реквизиты.",
        },
        "rejection": {
            "title": "Решение по вашему заявлению",
            "decision": "{decision_date} Фонд принял решение отказать в выплате компенсации по заявлению "
            "{reference}.",
            "reasons": "Причины:",
            "note": "Пояснение сотрудника:",
            "reconsider": "Если вы не согласны с решением, вы можете попросить его пересмотреть. Для этого "
            "не позднее {reconsideration_until} напишите в Фонд: укажите номер заявления и объясните, с "
            "чем вы не согласны; можно приложить документы. Заявление заново рассмотрит сотрудник, "
            "который не участвовал в принятии этого решения. После этой даты заявление будет закрыто.",
            "final": "Это решение окончательное: ваше заявление уже было пересмотрено. Вы можете обжаловать "
            "решение в суде.",
        },
    },
    "en": {
        "acknowledgement": {
            "title": "We have received your claim",
            "received": "We have received your claim for compensation. It was registered on "
            "{submitted_on} under the reference {reference}. Please keep this reference: it identifies "
            "your claim.",
            "next": "An officer of the Fund will now check your documents. If a document is missing, we "
            "will write to you and say which one is needed and by which date to send it.",
            "status": "You can follow your claim at any time on the Fund's website, {site_url}, with the "
            "claim reference and the access code you received when you applied.",
            "nothing_to_do": "You do not need to do anything else now.",
        },
        "document_request": {
            "title": "Documents we need for your claim",
            "intro": "To continue with your claim {reference}, we need these documents:",
            "send_by": "Please send them to the Fund no later than {respond_by}, and give the claim "
            "reference.",
            "closed_if_late": "If the documents do not arrive by that date, the claim will be closed as "
            "incomplete.",
            "help": "If you cannot get a document in time, please tell the Fund before that date.",
        },
        "document_reminder": {
            "title": "Reminder: documents we still need",
            "intro": "We wrote to you about documents missing from your claim {reference}. We have not "
            "yet received these documents:",
            "send_by": "Please send them no later than {respond_by}. After that date the claim will be "
            "closed as incomplete.",
            "already_sent": "If you have already sent them, thank you: you do not need to do anything else.",
        },
        "approval": {
            "title": "Compensation is granted",
            "decision": "On {decision_date} the Fund decided to pay you compensation under claim "
            "{reference}.",
            "amount": "Amount to be paid: {amount_kzt} tenge.",
            "calculation": "The compensation is {amount_mci} MCI (monthly calculation index). On the date "
            "of the decision one MCI was {mci_rate} tenge: {amount_mci} × {mci_rate} = {amount_kzt} tenge.",
            "payment": "How you will be paid: the Treasury transfers the money to the bank account you gave "
            "in your claim (the account ending in {iban_tail}). You do not need to do anything. If the "
            "payment does not go through, we will contact you to check your bank details.",
        },
        "rejection": {
            "title": "Decision on your claim",
            "decision": "On {decision_date} the Fund decided not to pay compensation under claim "
            "{reference}.",
            "reasons": "The reasons:",
            "note": "The officer's note:",
            "reconsider": "If you disagree, you can ask for the decision to be reconsidered. Write to the "
            "Fund no later than {reconsideration_until}, give the claim reference and say why you "
            "disagree; you may add documents. An officer who took no part in this decision will examine "
            "your claim again. After that date the claim is closed.",
            "final": "This decision is final: your claim has already been reconsidered once. You may "
            "challenge the decision in court.",
        },
    },
}

# The law a letter rests on (Law No. 131-VI: Art. 6 who is entitled, 7 amounts, 8 how compensation
# is assigned), by kind of letter; the acknowledgement decides nothing and cites none.
LEGAL_BASIS: dict[str, dict[str, str]] = {
    "kk": {
        "approval": "Шешім «Жәбірленушілерге өтемақы қоры туралы» Қазақстан Республикасының 2018 жылғы "
        "10 қаңтардағы № 131-VI Заңының 6, 7 және 8-баптары негізінде қабылданды.",
        "rejection": "Шешім «Жәбірленушілерге өтемақы қоры туралы» Қазақстан Республикасының 2018 жылғы "
        "10 қаңтардағы № 131-VI Заңының 6 және 8-баптары негізінде қабылданды.",
        "document_request": "Құжаттар «Жәбірленушілерге өтемақы қоры туралы» Қазақстан Республикасының "
        "2018 жылғы 10 қаңтардағы № 131-VI Заңының 8-бабы негізінде сұралады.",
        "document_reminder": "Құжаттар «Жәбірленушілерге өтемақы қоры туралы» Қазақстан Республикасының "
        "2018 жылғы 10 қаңтардағы № 131-VI Заңының 8-бабы негізінде сұралады.",
    },
    "ru": {
        "approval": "Решение принято на основании статей 6, 7 и 8 Закона Республики Казахстан от "
        "10 января 2018 года № 131-VI «О Фонде компенсации потерпевшим».",
        "rejection": "Решение принято на основании статей 6 и 8 Закона Республики Казахстан от "
        "10 января 2018 года № 131-VI «О Фонде компенсации потерпевшим».",
        "document_request": "Документы запрашиваются на основании статьи 8 Закона Республики Казахстан "
        "от 10 января 2018 года № 131-VI «О Фонде компенсации потерпевшим».",
        "document_reminder": "Документы запрашиваются на основании статьи 8 Закона Республики Казахстан "
        "от 10 января 2018 года № 131-VI «О Фонде компенсации потерпевшим».",
    },
    "en": {
        "approval": "This decision is taken under Articles 6, 7 and 8 of the Law of the Republic of "
        'Kazakhstan No. 131-VI of 10 January 2018 "On the Victims Compensation Fund".',
        "rejection": "This decision is taken under Articles 6 and 8 of the Law of the Republic of "
        'Kazakhstan No. 131-VI of 10 January 2018 "On the Victims Compensation Fund".',
        "document_request": "The documents are asked for under Article 8 of the Law of the Republic of "
        'Kazakhstan No. 131-VI of 10 January 2018 "On the Victims Compensation Fund".',
        "document_reminder": "The documents are asked for under Article 8 of the Law of the Republic of "
        'Kazakhstan No. 131-VI of 10 January 2018 "On the Victims Compensation Fund".',
    },
}
# Which decision table's matched rows a letter cites, by kind (see fund.letters.service).
LEGAL_BASIS_TABLES = {
    "approval": "eligibility",
    "rejection": "eligibility",
    "document_request": "required_documents",
    "document_reminder": "required_documents",
}
# Letters that announce a decision or a demand of the Fund say how it can be challenged.
APPEALABLE_KINDS = ("approval", "rejection", "document_request", "document_reminder")
DECISION_TABLE_NAMES: dict[str, dict[str, str]] = {
    "eligibility": {
        "kk": "Өтемақыға құқық және оның мөлшері",
        "ru": "Право на компенсацию и её размер",
        "en": "Eligibility and amount",
    },
    "required_documents": {
        "kk": "Қажетті құжаттар",
        "ru": "Необходимые документы",
        "en": "Required documents",
    },
}

# The public verification page (/verify/<number>).
VERIFY_PAGE: dict[str, dict[str, str]] = {
    "kk": {
        "title": "Қор хатын тексеру",
        "upload_title": "Хат файлын тексеру",
        "upload_intro": "Қор хатының PDF файлын таңдаңыз. Біз оның Қор берген хаттың дәл өзі екенін және "
        "электрондық қолтаңбасының жарамды екенін тексереміз. Файл сақталмайды.",
        "upload_file": "Хаттың PDF файлы",
        "not_pdf_upload": "Бұл файл PDF емес. Қор хатының PDF файлын таңдаңыз.",
        "upload_submit": "Файлды тексеру",
        "upload_missing": "Тексеру үшін хаттың PDF файлын таңдаңыз.",
        "upload_link": "Кодсыз тексеру: хаттың PDF файлын жүктеңіз",
        "form_expired": "Форманың мерзімі өтіп кетті. Бетті жаңартып, файлды қайта таңдаңыз.",
        "verdict_authentic": "Бұл файл — Қор берген хаттың түпнұсқасы. Ол өзгертілмеген.",
        "verdict_tampered": "Бұл файл өзгертілген: ол Қор берген хатпен сәйкес келмейді. "
        "Оған сенуге болмайды.",
        "verdict_unknown": "Бұл файл Қор берген хат емес немесе оны тексеру мүмкін емес.",
        "file_checksum": "Бақылау сомасы (SHA-256)",
        "file_matches": "№ {number} хатпен дәл сәйкес келеді",
        "file_differs": "№ {number} хаттан өзгеше",
        "file_no_letter": "Қор берген ешбір хатпен сәйкес келмейді",
        "signature": "Электрондық қолтаңба",
        "sig_valid": "Жарамды: файл қол қойылғаннан кейін өзгертілмеген, қолтаңба Қордың түбірлік "
        "сертификатымен расталады",
        "sig_tampered": "Жарамсыз: файл қол қойылғаннан кейін өзгертілген",
        "sig_appended": "Жарамсыз: қол қойылғаннан кейін файлға бірдеңе қосылған",
        "sig_untrusted": "Қордың кілтімен қойылмаған",
        "sig_bad_timestamp": "Уақыт белгісі жарамсыз",
        "sig_unsigned": "Файлда электрондық қолтаңба жоқ",
        "sig_unreadable": "Қолтаңбаны оқу мүмкін емес: файл зақымдалған",
        "timestamped_at": "Уақыт белгісі (Алматы уақыты)",
        "intro": "Хаттың соңында басылған тексеру кодын енгізіңіз. Хаттың өзгертілмегенін тексеру үшін "
        "оның PDF файлын да таңдай аласыз.",
        "number": "Хаттың нөмірі",
        "code": "Тексеру коды (мысалы, ABCDE-FGHJK)",
        "file": "Хаттың PDF файлы (міндетті емес)",
        "submit": "Тексеру",
        "authentic": "Бұл хатты Жәбірленушілерге өтемақы қоры берген.",
        "kind": "Хаттың түрі",
        "issued_on": "Берілген күні",
        "sha256": "Файлдың бақылау сомасы (SHA-256)",
        "status": "Күйі",
        "status_valid": "Күшінде",
        "status_reissued": "Бұл хаттың орнына жаңа хат берілген. Жаңа хат осы хатты ауыстырады.",
        "pdf_match": "Сіз таңдаған файл — Қор берген хаттың дәл өзі. Ол өзгертілмеген.",
        "pdf_mismatch": "Сіз таңдаған файл Қор берген хатпен сәйкес келмейді: ол түпнұсқадан өзгеше. "
        "Оған сенуге болмайды.",
        "not_found": "Мұндай нөмірі мен тексеру коды бар хат табылмады. Нөмір мен кодты тексеріп, "
        "қайталап көріңіз.",
        "missing_code": "Хатта басылған тексеру кодын енгізіңіз.",
        "too_large": "Файл тым үлкен. Қор хатының көлемі {limit} МБ-тан аспайды.",
        "not_pdf": "Бұл файл PDF емес. Хаттың PDF файлын таңдаңыз немесе өрісті бос қалдырыңыз.",
        "signed_by": "Электрондық қолтаңба иесі",
        "signed_at": "Қол қойылған уақыты (Алматы уақыты)",
        "privacy": "Бұл бетте жеке деректер көрсетілмейді.",
    },
    "ru": {
        "title": "Проверка письма Фонда",
        "upload_title": "Проверка файла письма",
        "upload_intro": "Выберите PDF-файл письма Фонда. Мы проверим, что это в точности письмо, выданное "
        "Фондом, и что его электронная подпись действительна. Файл не сохраняется.",
        "upload_file": "PDF-файл письма",
        "not_pdf_upload": "Это не PDF-файл. Выберите PDF-файл письма Фонда.",
        "upload_submit": "Проверить файл",
        "upload_missing": "Выберите PDF-файл письма, чтобы проверить его.",
        "upload_link": "Проверить без кода: загрузите PDF-файл письма",
        "form_expired": "Срок действия формы истёк. Обновите страницу и выберите файл ещё раз.",
        "verdict_authentic": "Этот файл — подлинное письмо, выданное Фондом. Оно не изменено.",
        "verdict_tampered": "Этот файл изменён: он не совпадает с письмом, выданным Фондом. Полагаться на "
        "него нельзя.",
        "verdict_unknown": "Этот файл не является письмом Фонда, или его нельзя проверить.",
        "file_checksum": "Контрольная сумма (SHA-256)",
        "file_matches": "В точности совпадает с письмом № {number}",
        "file_differs": "Отличается от письма № {number}",
        "file_no_letter": "Не совпадает ни с одним письмом, выданным Фондом",
        "signature": "Электронная подпись",
        "sig_valid": "Действительна: файл не изменялся после подписания, подпись подтверждается "
        "корневым сертификатом Фонда",
        "sig_tampered": "Недействительна: файл изменён после подписания",
        "sig_appended": "Недействительна: после подписания в файл что-то добавлено",
        "sig_untrusted": "Поставлена не ключом Фонда",
        "sig_bad_timestamp": "Метка времени недействительна",
        "sig_unsigned": "В файле нет электронной подписи",
        "sig_unreadable": "Подпись нельзя прочитать: файл повреждён",
        "timestamped_at": "Метка времени (время Алматы)",
        "intro": "Введите код проверки, напечатанный в конце письма. Чтобы убедиться, что письмо не "
        "изменено, можно также выбрать его PDF-файл.",
        "number": "Номер письма",
        "code": "Код проверки (например, ABCDE-FGHJK)",
        "file": "PDF-файл письма (необязательно)",
        "submit": "Проверить",
        "authentic": "Это письмо выдано Фондом компенсации потерпевшим.",
        "kind": "Вид письма",
        "issued_on": "Дата выдачи",
        "sha256": "Контрольная сумма файла (SHA-256)",
        "status": "Состояние",
        "status_valid": "Действует",
        "status_reissued": "Вместо этого письма выдано новое. Новое письмо заменяет это.",
        "pdf_match": "Выбранный файл — в точности то письмо, которое выдал Фонд. Оно не изменено.",
        "pdf_mismatch": "Выбранный файл не совпадает с письмом, которое выдал Фонд: он отличается от "
        "оригинала. Полагаться на него нельзя.",
        "not_found": "Письмо с таким номером и кодом проверки не найдено. Проверьте номер и код и "
        "попробуйте ещё раз.",
        "missing_code": "Введите код проверки, напечатанный в письме.",
        "too_large": "Файл слишком большой. Письмо Фонда занимает не больше {limit} МБ.",
        "not_pdf": "Это не PDF-файл. Выберите PDF-файл письма или оставьте поле пустым.",
        "signed_by": "Владелец электронной подписи",
        "signed_at": "Время подписания (время Алматы)",
        "privacy": "На этой странице не показываются персональные данные.",
    },
    "en": {
        "title": "Check a letter from the Fund",
        "upload_title": "Check a letter's file",
        "upload_intro": "Choose the PDF file of a letter from the Fund. We check that it is exactly the "
        "letter the Fund issued and that its electronic signature is valid. The file is not kept.",
        "upload_file": "PDF file of the letter",
        "not_pdf_upload": "This file is not a PDF. Choose the PDF file of a letter from the Fund.",
        "upload_submit": "Check the file",
        "upload_missing": "Choose the letter's PDF file to check it.",
        "upload_link": "Check without the code: upload the letter's PDF file",
        "form_expired": "The form has expired. Reload the page and choose the file again.",
        "verdict_authentic": "This file is an authentic letter issued by the Fund. It has not been changed.",
        "verdict_tampered": "This file has been changed: it does not match the letter the Fund issued. "
        "Do not rely on it.",
        "verdict_unknown": "This file is not a letter from the Fund, or it cannot be checked.",
        "file_checksum": "Checksum (SHA-256)",
        "file_matches": "Exactly matches letter No. {number}",
        "file_differs": "Differs from letter No. {number}",
        "file_no_letter": "Matches no letter the Fund issued",
        "signature": "Electronic signature",
        "sig_valid": "Valid: the file has not changed since it was signed, and the signature is "
        "confirmed by the Fund's root certificate",
        "sig_tampered": "Not valid: the file was changed after it was signed",
        "sig_appended": "Not valid: something was added to the file after it was signed",
        "sig_untrusted": "Not made with the Fund's key",
        "sig_bad_timestamp": "Its timestamp is not valid",
        "sig_unsigned": "The file carries no electronic signature",
        "sig_unreadable": "The signature cannot be read: the file is damaged",
        "timestamped_at": "Timestamp (Almaty time)",
        "intro": "Enter the verification code printed at the end of the letter. You can also choose the "
        "letter's PDF file to check that it has not been changed.",
        "number": "Letter number",
        "code": "Verification code (for example ABCDE-FGHJK)",
        "file": "PDF file of the letter (optional)",
        "submit": "Check",
        "authentic": "This letter was issued by the Victims Compensation Fund.",
        "kind": "Kind of letter",
        "issued_on": "Issued on",
        "sha256": "Checksum of the file (SHA-256)",
        "status": "Status",
        "status_valid": "Valid",
        "status_reissued": "A newer letter has been issued in place of this one. The newer letter "
        "replaces it.",
        "pdf_match": "The file you chose is exactly the letter the Fund issued. It has not been changed.",
        "pdf_mismatch": "The file you chose is not the letter the Fund issued: it differs from the "
        "original. Do not rely on it.",
        "not_found": "We found no letter with this number and verification code. Check the number and "
        "the code and try again.",
        "missing_code": "Enter the verification code printed on the letter.",
        "too_large": "The file is too large. A letter from the Fund is smaller than {limit} MB.",
        "not_pdf": "This file is not a PDF. Choose the letter's PDF file, or leave the field empty.",
        "signed_by": "Electronic signature of",
        "signed_at": "Signed at (Almaty time)",
        "privacy": "This page shows no personal data.",
    },
}

LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}

_MONTHS = {
    "en": tuple(
        "January February March April May June July August September October November December".split()
    ),
    # Genitive, as Russian writes a date: "2 марта 2026 года".
    "ru": tuple("января февраля марта апреля мая июня июля августа сентября октября ноября декабря".split()),
    "kk": tuple("қаңтар ақпан наурыз сәуір мамыр маусым шілде тамыз қыркүйек қазан қараша желтоқсан".split()),
}
# Kazakh case endings follow the month's last sound (vowel harmony, voicing): written out, not computed.
_KK_LOCATIVE = tuple(
    "қаңтарда ақпанда наурызда сәуірде мамырда маусымда шілдеде тамызда қыркүйекте қазанда қарашада "
    "желтоқсанда".split()
)
_KK_ABLATIVE = tuple(
    "қаңтардан ақпаннан наурыздан сәуірден мамырдан маусымнан шілдеден тамыздан қыркүйектен қазаннан "
    "қарашадан желтоқсаннан".split()
)

NBSP = "\u00a0"  # keeps "173 000" and "2 марта" on one line
_THOUSANDS = {"kk": NBSP, "ru": NBSP, "en": ","}
_CURRENCY = {"kk": "теңге", "ru": "тенге", "en": "tenge"}


def format_date(day: date, language: str, form: str = "") -> str:
    """A date as the language writes it in a letter.

    ``form`` is "" (standing alone), "on" (when something happened) or "from" (before
    "кешіктірмей"); only Kazakh changes the month for it.
    """
    month = day.month - 1
    if language == "kk":
        name = {"": _MONTHS["kk"], "on": _KK_LOCATIVE, "from": _KK_ABLATIVE}[form][month]
        return f"{day.year} жылғы {day.day}{NBSP}{name}"
    if language == "ru":
        return f"{day.day}{NBSP}{_MONTHS['ru'][month]} {day.year}{NBSP}года"
    return f"{day.day}{NBSP}{_MONTHS['en'][month]} {day.year}"


def date_forms(name: str, day: date, language: str) -> dict[str, str]:
    """The placeholders ``{name}``, ``{name_on}`` and ``{name_from}`` for a date."""
    return {
        name: format_date(day, language),
        f"{name}_on": format_date(day, language, "on"),
        f"{name}_from": format_date(day, language, "from"),
    }


def format_number(value: int, language: str) -> str:
    """An integer with thousands grouped as the language does: "173 000" (kk, ru), "173,000" (en)."""
    return f"{value:,}".replace(",", _THOUSANDS[language])


def format_tenge(value: int, language: str) -> str:
    """An amount of tenge: "173 000 теңге", "173 000 тенге", "173,000 tenge"."""
    return f"{format_number(value, language)} {_CURRENCY[language]}"


def document_label(code: str, language: str) -> str:
    """A document code in plain words; an unknown code is shown as it is rather than lost."""
    return DOCUMENT_LABELS.get(code, {}).get(language, code)


def rejection_reason_label(code: str, language: str) -> str:
    """A rejection reason code in plain words; an unknown code is shown as it is rather than lost."""
    return REJECTION_REASON_LABELS.get(code, {}).get(language, code)


def all_wording() -> list[str]:
    """Every fixed string above, for the test that the letters' font has each character."""
    strings: list[str] = [*FUND_NAME.values(), *LANGUAGE_NAMES.values(), *_KK_LOCATIVE, *_KK_ABLATIVE]
    for table in (
        DOCUMENT_LABELS,
        REJECTION_REASON_LABELS,
        KIND_NAMES,
        COMMON,
        VERIFY_PAGE,
        LEGAL_BASIS,
        DECISION_TABLE_NAMES,
    ):
        for entry in table.values():
            strings.extend(entry.values())
    for defaults in (
        fund_settings.DEFAULT_APPEAL_TEXT,
        fund_settings.DEFAULT_CONTACT_FALLBACK,
        fund_settings.DEFAULT_SIGNATORY_POSITION,
    ):
        strings.extend(defaults.values())
    for kinds in BODIES.values():
        for body in kinds.values():
            strings.extend(body.values())
    for months in _MONTHS.values():
        strings.extend(months)
    return strings


_SOURCES = re.compile(r"\s*Sources?:\s*[^\s;]+(?:;\s*[^\s;]+)*;?")
_VERIFY_NOTE = re.compile(r"\s*Verify with the fund's lawyers\.?")
_ADDRESS = re.compile(r"\s*\(?https?://[^\s)]+\)?")


def rule_words(description: str) -> str:
    """A decision rule's description as a letter prints it: without its sources' addresses and the
    note to the fund's lawyers, which are for the people who maintain the rules."""
    words = _ADDRESS.sub("", _VERIFY_NOTE.sub("", _SOURCES.sub("", description or "")))
    return " ".join(words.split())
