"""Demo customers: a few thousand across the demo stores, named after each store's language."""

from __future__ import annotations

import random
import unicodedata
from datetime import timedelta
from typing import Any

import phonenumbers
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import new_id, utcnow
from db.models.customers import Customer, CustomerTag
from db.models.tree import TierNode
from resolvers.customers.customers import search_text
from resolvers.customers.identity import set_keys
from resolvers.tree.settings import effective_settings, region_of

CUSTOMERS_PER_STORE = (60, 160)
# (given names, family names, family name first)
NAMES: dict[str, tuple[list[str], list[str], bool]] = {
    "de": (["Anna", "Lukas", "Lea", "Maximilian", "Johanna", "Felix", "Clara", "Jonas", "Greta", "Moritz"],
           ["Müller", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann", "Schäfer", "Koch"], False),
    "fr": (["Camille", "Léa", "Hugo", "Chloé", "Louis", "Manon", "Théo", "Inès", "Gabriel", "Élodie"],
           ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau"], False),
    "en": (["Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Charlotte", "Jack", "Sophie", "William"],
           ["Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson"], False),
    "zh": (["伟", "芳", "秀英", "娜", "敏", "静", "丽", "强", "磊", "洋"],
           ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"], True),
    "ja": (["陽翔", "結衣", "蓮", "葵", "大翔", "陽菜", "湊", "凛", "悠真", "芽依"],
           ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤"], True),
    "pt": (["Miguel", "Helena", "Arthur", "Alice", "Heitor", "Laura", "Davi", "Valentina", "Bernardo", "Sofia"],
           ["Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira", "Lima", "Gomes"], False),
}
TAGS = ["vip", "newsletter", "birthday club", "wholesale", "app user", "student", "staff"]
MAIL_DOMAINS = ["example.com", "example.org", "mail.example", "example.net"]


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in folded.lower() if c.isalnum())


def _phone(region: str | None, rng: random.Random) -> str | None:
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE) if region else None
    if example is None:
        return None
    national = str(example.national_number)
    digits = national[:-4] + f"{rng.randrange(10_000):04d}"
    return f"+{example.country_code}{digits}"


def _customer(
    store: TierNode, number: int, locale: str, rng: random.Random, now: Any,
) -> tuple[Customer, list[CustomerTag]]:
    given, family, family_first = NAMES.get(locale.split("-")[0], NAMES["en"])
    first, last = rng.choice(given), rng.choice(family)
    name = f"{last}{first}" if family_first else f"{first} {last}"
    handle = f"{_ascii(first)}.{_ascii(last)}" if _ascii(first) and _ascii(last) else "customer"
    customer = Customer(
        id=new_id(), node_id=store.id, name=name, locale=locale,
        email=f"{handle}{rng.randrange(1000)}@{rng.choice(MAIL_DOMAINS)}" if rng.random() < 0.85 else None,
        phone=_phone(region_of(locale), rng) if rng.random() < 0.7 else None,
        external_ref=f"{store.code}-{number:05d}" if rng.random() < 0.5 else None,
        tags=sorted(set(rng.sample(TAGS, k=rng.choice([0, 0, 1, 1, 2, 3])))),
        attributes={"newsletter": rng.random() < 0.4},
    )
    customer.created_at = customer.updated_at = now - timedelta(days=rng.uniform(0, 730))
    customer.search_text = search_text(customer)
    set_keys(customer)
    return customer, [CustomerTag(customer_id=customer.id, tag=t) for t in customer.tags]


async def seed(session: AsyncSession, tenant: Any, stores: list[TierNode], rng: random.Random) -> None:
    """Customers for every store, inserted in one flush (locale: the store's effective one)."""
    nodes = {n.id: n for n in (await session.scalars(select(TierNode))).all()}
    now = utcnow()
    rows: list[Any] = []
    for store in stores:
        chain = [nodes[i] for i in nodes[store.id].ancestor_ids()] + [nodes[store.id]]
        locale = effective_settings(chain).locale or "en"
        for number in range(rng.randint(*CUSTOMERS_PER_STORE)):
            customer, tags = _customer(store, number, locale, rng, now)
            rows.append(customer)
            rows.extend(tags)
    session.add_all(rows)
    await session.flush()
    print(f"Created {sum(isinstance(r, Customer) for r in rows)} customers.")
