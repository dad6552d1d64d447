"""Counts in replies take the locale's plural form (CLDR rules through babel)."""

import json
from pathlib import Path

from babel import Locale

from bots.i18n import LOCALES, Translator


def test_english_has_one_and_other() -> None:
    t = Translator("en")
    assert t("find.matches", count=1, query="ali") == '1 customer matches "ali":'
    assert t("find.matches", count=2, query="ali") == '2 customers match "ali":'
    assert t("find.matches", count=1234, query="ali") == '1,234 customers match "ali":'
    assert t("cli.import_rejected", count=1) == "1 row rejected"
    assert t("cli.import_rejected", count=0) == "0 rows rejected"


def test_chinese_has_one_form_for_every_count() -> None:
    t = Translator("zh-CN")
    assert t("find.matches", count=1, query="李") == "找到 1 位与“李”匹配的客户："
    assert t("find.matches", count=12, query="李") == "找到 12 位与“李”匹配的客户："


def test_plural_messages_name_exactly_their_locales_categories() -> None:
    for path in sorted(Path(LOCALES).glob("*.json")):
        categories = set(Locale.parse(path.stem.replace("-", "_")).plural_form.tags) | {"other"}
        for key, message in json.loads(path.read_text(encoding="utf-8")).items():
            if isinstance(message, dict):
                assert set(message) <= categories and "other" in message, (path.name, key, set(message))
