"""Replies in the staff member's language: a JSON catalog per locale, babel for numbers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.dates import format_datetime
from babel.numbers import format_currency, format_decimal

LOCALES = Path(__file__).parent / "locales"
DEFAULT = "en"


# A message is a string, or for a count an object by CLDR plural category:
# {"one": "...", "other": "..."} in English, {"other": "..."} in Chinese.
Message = str | dict[str, str]


@cache
def _catalog(name: str) -> dict[str, Message]:
    return json.loads((LOCALES / f"{name}.json").read_text(encoding="utf-8"))


@cache
def catalog_name(locale: str | None) -> str:
    """The catalog for a locale: exact ("zh-CN"), else same language ("zh-TW" -> "zh-CN"), else English."""
    wanted = (locale or DEFAULT).replace("_", "-")
    available = sorted(p.stem for p in LOCALES.glob("*.json"))
    for name in available:
        if name.lower() == wanted.lower():
            return name
    language = wanted.split("-")[0].lower()
    for name in available:
        if name.split("-")[0].lower() == language:
            return name
    return DEFAULT


@cache
def words(key: str) -> frozenset[str]:
    """A "|"-separated word list of every catalog (a yes typed in Chinese to an English bot counts)."""
    from bots.answers import normal

    found: set[str] = set()
    for path in LOCALES.glob("*.json"):
        message = _catalog(path.stem).get(key)
        if isinstance(message, str):
            found.update(normal(w) for w in message.split("|") if w.strip())
    return frozenset(found)


@cache
def _babel_locale(locale: str | None) -> Locale:
    try:
        return Locale.parse((locale or DEFAULT).replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return Locale.parse(DEFAULT)


class Translator:
    """Looks up messages and formats numbers, money and times for one locale."""

    def __init__(self, locale: str | None) -> None:
        self.locale = locale or DEFAULT
        self.messages = _catalog(catalog_name(locale))
        self.fallback = _catalog(DEFAULT)
        self.babel = _babel_locale(locale)
        self.zone: ZoneInfo | None = None  # where the reader is; UTC until known

    def use_zone(self, data: dict[str, Any]) -> None:
        """Take the reader's time zone from an operation's `...ViewerZone`, if it has one."""
        name = ((data.get("tierTree") or {}).get("settings") or {}).get("timezone")
        try:
            self.zone = ZoneInfo(name) if name else None
        except (ZoneInfoNotFoundError, ValueError):
            self.zone = None

    def __call__(self, key: str, **values: Any) -> str:
        template = self.messages.get(key) or self.fallback.get(key) or key
        if isinstance(template, dict):  # plural forms: `count` is a number, shown in locale format
            count = values["count"]
            forms = template
            template = forms.get(self.babel.plural_form(count)) or forms["other"]
            values["count"] = self.number(count)
        return template.format(**values) if values else template

    def number(self, value: int | Decimal | str) -> str:
        return format_decimal(Decimal(str(value)), locale=self.babel)

    def money(self, money: dict[str, Any] | None) -> str:
        """A GraphQL Money ({amount, currency}) in the reader's format."""
        if not money:
            return "-"
        try:
            return format_currency(Decimal(str(money["amount"])), money["currency"], locale=self.babel)
        except (InvalidOperation, KeyError, ValueError):
            return f"{money.get('amount')} {money.get('currency')}"

    def when(self, iso: str | None) -> str:
        if not iso:
            return "-"
        return format_datetime(datetime.fromisoformat(iso), "short", tzinfo=self.zone or UTC, locale=self.babel)
