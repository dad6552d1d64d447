"""Node settings: validation of currency, locale and timezone, and their inheritance."""

from __future__ import annotations

import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from babel import Locale, UnknownLocaleError, parse_locale
from babel.numbers import list_currencies

from resolvers.common.errors import ErrorCode, Problems

SETTING_FIELDS = ("currency", "locale", "timezone", "membership_program_id")
# API names of the settings, for error paths into the input.
API_NAMES = {"currency": "currency", "locale": "locale", "timezone": "timezone",
             "membership_program_id": "membershipProgramId"}


@dataclass(frozen=True)
class NodeSettingsValues:
    currency: str | None = None
    locale: str | None = None
    timezone: str | None = None
    membership_program_id: int | None = None


def own_settings(node: Any) -> NodeSettingsValues:
    return NodeSettingsValues(**{f: getattr(node, f) for f in SETTING_FIELDS})


def effective_settings(chain: Sequence[Any]) -> NodeSettingsValues:
    """Each setting from the nearest node that sets it; `chain` is root first, the node last."""
    values: dict[str, Any] = {}
    for field in SETTING_FIELDS:
        values[field] = next((v for n in reversed(chain) if (v := getattr(n, field)) is not None), None)
    return NodeSettingsValues(**values)


@cache
def _currencies() -> frozenset[str]:
    return frozenset(list_currencies())


@cache
def _timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


@lru_cache(maxsize=1024)
def normalise_tag(value: str) -> str | None:
    """A known BCP 47 tag in canonical case (zh_cn -> zh-CN), as given: no likely script added.

    Cached: babel parses a locale in ~8 µs and an import row names one of a few.
    """
    tag = value.strip().replace("_", "-")
    try:
        language, territory, script, variant = parse_locale(tag, sep="-")[:4]
        Locale.parse(tag, sep="-")
    except (UnknownLocaleError, ValueError, TypeError):
        return None
    return "-".join(p for p in (language, script, territory, variant) if p)


def normalise_locale(value: str, field: Sequence[str], problems: Problems) -> str | None:
    tag = normalise_tag(value)
    if tag is None:
        problems.add(ErrorCode.INVALID, f"unknown locale {value!r}: give a BCP 47 tag such as zh-CN", field)
    return tag


def normalise_timezone(value: str, field: Sequence[str], problems: Problems) -> str:
    """An IANA time zone name as zoneinfo knows it (Europe/Berlin); unknown: a problem."""
    name = value.strip()
    if name not in _timezones():
        problems.add(ErrorCode.INVALID, f"unknown IANA timezone {value!r}", field)
    return name


def clean_settings(
    given: dict[str, Any], field: Sequence[str], problems: Problems,
) -> dict[str, Any]:
    """Validated settings; only the keys given, None meaning "inherit"."""
    out: dict[str, Any] = {}
    for key, value in given.items():
        path = [*field, API_NAMES[key]]
        if value is None or key == "membership_program_id":
            out[key] = value
        elif key == "currency":
            code = value.strip().upper()
            if code not in _currencies():
                problems.add(ErrorCode.INVALID, f"unknown ISO 4217 currency {value!r}", path)
            out[key] = code
        elif key == "locale":
            out[key] = normalise_locale(value, path, problems)
        else:
            out[key] = normalise_timezone(value, path, problems)
    return out


@lru_cache(maxsize=1024)
def region_of(locale: str | None) -> str | None:
    """The country a locale names (de-DE -> DE), the region hint for phone numbers."""
    tag = normalise_tag(locale) if locale else None
    return parse_locale(tag, sep="-")[1] if tag else None
