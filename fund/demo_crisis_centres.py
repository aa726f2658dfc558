"""Demo crisis centres in three regions (``fund demo``): plausible, and marked as demo data in every
language (phone numbers ending in 00 00, e-mails at an .invalid domain): not real centres."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, select

from fund.admin.crisis_centres import save_crisis_centre
from fund.extensions import db
from fund.models import CrisisCentre, User

DEMO_DOMAIN = "demo.fund.invalid"
ALL_KINDS = ["psychological", "medical", "legal", "social"]

DEMO_CRISIS_CENTRES = [
    (
        {
            "region_code": "astana",
            "region_kk": "Астана қаласы",
            "region_ru": "город Астана",
            "region_en": "Astana",
            "name_kk": "«Сенім» дағдарыс орталығы (демо-деректер)",
            "name_ru": "Кризисный центр «Сенім» (демо-данные)",
            "name_en": "Senim crisis centre (demo data)",
            "address_kk": "Астана қ., Бейбітшілік көшесі, 10 (демо-деректер, нақты мекенжай емес)",
            "address_ru": "г. Астана, улица Бейбитшилик, 10 (демо-данные, не настоящий адрес)",
            "address_en": "10 Beibitshilik Street, Astana (demo data, not a real address)",
            "phone": "+7 7172 10 00 00",
            "email": f"senim@{DEMO_DOMAIN}",
            "position": "10",
            "active": "on",
        },
        ALL_KINDS,
    ),
    (
        {
            "region_code": "almaty",
            "region_kk": "Алматы қаласы",
            "region_ru": "город Алматы",
            "region_en": "Almaty",
            "name_kk": "«Қамқор» дағдарыс орталығы (демо-деректер)",
            "name_ru": "Кризисный центр «Қамқор» (демо-данные)",
            "name_en": "Kamkor crisis centre (demo data)",
            "address_kk": "Алматы қ., Жібек жолы даңғылы, 20 (демо-деректер, нақты мекенжай емес)",
            "address_ru": "г. Алматы, проспект Жибек жолы, 20 (демо-данные, не настоящий адрес)",
            "address_en": "20 Zhibek Zholy Avenue, Almaty (demo data, not a real address)",
            "phone": "+7 727 10 00 00",
            "email": f"kamkor@{DEMO_DOMAIN}",
            "position": "20",
            "active": "on",
        },
        ALL_KINDS,
    ),
    (
        {
            "region_code": "shymkent",
            "region_kk": "Шымкент қаласы",
            "region_ru": "город Шымкент",
            "region_en": "Shymkent",
            "name_kk": "«Үміт» әйелдер мен балаларға көмек орталығы (демо-деректер)",
            "name_ru": "Центр помощи женщинам и детям «Үміт» (демо-данные)",
            "name_en": "Umit centre for women and children (demo data)",
            "address_kk": "Шымкент қ., Республика даңғылы, 30 (демо-деректер, нақты мекенжай емес)",
            "address_ru": "г. Шымкент, проспект Республики, 30 (демо-данные, не настоящий адрес)",
            "address_en": "30 Respublika Avenue, Shymkent (demo data, not a real address)",
            "phone": "+7 7252 10 00 00",
            "email": "",
            "position": "30",
            "active": "on",
        },
        ["psychological", "legal", "social"],
    ),
]


def load_crisis_centres(admin: User, now: datetime, echo: Callable[[str], None]) -> None:
    """The demo crisis centres, once, added as the demo administrator adds them."""
    if db.session.scalar(select(func.count()).select_from(CrisisCentre)):
        return
    for form, kinds in DEMO_CRISIS_CENTRES:
        save_crisis_centre(admin, form, kinds, now)
        echo(f"crisis centre in {form['region_code']} (demo data)")
