"""The starter set of canned answers a fresh installation gets, in Russian and English."""

_SIGN_RU = "\n\nС уважением,\nслужба заботы о клиентах"
_SIGN_EN = "\n\nKind regards,\nCustomer care"

# (title, language, kind, outcome, set_status, body)
STARTER = [
    ("Обращение принято, срок ответа", "ru", "", "", "acknowledged",
     "Здравствуйте, {customer_name}!\n\nМы получили ваше обращение {reference} и уже "
     "занимаемся им. Ответ дадим не позднее {deadline}." + _SIGN_RU),
    ("Acknowledgement with the deadline", "en", "", "", "acknowledged",
     "Dear {customer_name},\n\nWe have received your case {reference} and are working on it. "
     "You will have our answer by {deadline} at the latest." + _SIGN_EN),
    ("Запрос документов", "ru", "", "", "waiting_customer",
     "Здравствуйте, {customer_name}!\n\nЧтобы рассмотреть обращение {reference}, нам нужны "
     "документы: чек или выписка по операции и другие подтверждения, если они есть. Пришлите "
     "их, пожалуйста, ответом на это письмо. Пока мы ждём документы, срок рассмотрения "
     "приостановлен." + _SIGN_RU),
    ("Request for documents", "en", "", "", "waiting_customer",
     "Dear {customer_name},\n\nTo look into your case {reference} we need documents: the "
     "receipt or statement of the transaction and any other proof you have. Please send them "
     "in reply to this message. The deadline is paused until they arrive." + _SIGN_EN),
    ("Претензия удовлетворена, возврат суммы", "ru", "claim", "upheld", "",
     "Здравствуйте, {customer_name}!\n\nМы рассмотрели вашу претензию {reference} и признали её "
     "обоснованной. Мы вернём вам {amount}. Приносим извинения за доставленные неудобства."
     + _SIGN_RU),
    ("Claim upheld, refund", "en", "claim", "upheld", "",
     "Dear {customer_name},\n\nWe have looked into your claim {reference} and upheld it. We "
     "will refund {amount}. We apologise for the trouble." + _SIGN_EN),
    ("Удовлетворено частично", "ru", "", "partly", "",
     "Здравствуйте, {customer_name}!\n\nМы рассмотрели ваше обращение {reference}. Решение: "
     "{decision}; мы вернём вам {amount}. Причины: …\n\nЕсли вы не согласны с решением, вы "
     "вправе обратиться к финансовому уполномоченному, в Банк России или в суд." + _SIGN_RU),
    ("Partly upheld", "en", "", "partly", "",
     "Dear {customer_name},\n\nWe have looked into your case {reference}. Our decision: "
     "{decision}; we will refund {amount}. The reasons: …\n\nIf you disagree with the "
     "decision, you may take it to the financial ombudsman, the regulator or a court."
     + _SIGN_EN),
    ("Отказ с причинами и правом обжалования", "ru", "", "rejected", "",
     "Здравствуйте, {customer_name}!\n\nМы внимательно рассмотрели ваше обращение {reference} и, "
     "к сожалению, не нашли оснований его удовлетворить. Причины: …\n\nЕсли вы не согласны с "
     "решением, вы вправе обратиться к финансовому уполномоченному, в Банк России или в суд."
     + _SIGN_RU),
    ("Rejected, with the reasons and the right to escalate", "en", "", "rejected", "",
     "Dear {customer_name},\n\nWe have carefully looked into your case {reference} and, we are "
     "sorry, found no grounds to uphold it. The reasons: …\n\nIf you disagree with the "
     "decision, you may take it to the financial ombudsman, the regulator or a court."
     + _SIGN_EN),
    ("Ждём ответа клиента", "ru", "", "", "waiting_customer",
     "Здравствуйте, {customer_name}!\n\nЧтобы продолжить работу по обращению {reference}, нам "
     "нужен ваш ответ: …\n\nОтветьте, пожалуйста, на это письмо; до вашего ответа срок "
     "рассмотрения приостановлен." + _SIGN_RU),
    ("Waiting for the customer", "en", "", "", "waiting_customer",
     "Dear {customer_name},\n\nTo go on with your case {reference} we need your answer: …\n\n"
     "Please reply to this message; the deadline is paused until you do." + _SIGN_EN),
]


def install(apps) -> None:
    """Idempotent: adds the starter answers that are missing, never changes an edited one."""
    CannedAnswer = apps.get_model("replies", "CannedAnswer")
    for title, language, kind, outcome, status, body in STARTER:
        CannedAnswer.objects.get_or_create(
            title=title, language=language,
            defaults={"kind": kind, "outcome": outcome, "set_status": status, "body": body})
