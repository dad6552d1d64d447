"""Match keys of identity resolution: what makes two customer rows look like one person.

Keys are stored on the customer (email_key, name_key), kept wherever search_text is,
so duplicate candidates pair rows by indexed equality instead of comparing in Python.

- email_key: the address as its mailbox receives it. Lowercased; for providers that
  ignore dots and plus-tags (GMAIL) both are removed and googlemail.com becomes gmail.com;
  for providers known to deliver `local+tag@` to `local@` (PLUS_TAG) the tag is removed;
  any other domain keeps its local part as written, since a dot or plus may name another box.
- email_bidx, phone_bidx: the blind indexes of exact lookups (find by email, by phone).
- With encryption on (db/crypto.py) every key but name_key is stored blinded (HMAC under the
  keyring's index_key): equal values still pair and look up by equality, the database holds
  no address or number. Names are not encrypted, so name_key stays plain.
- name_key: NFKD-decomposed, accents dropped, casefolded, words of letters and digits sorted:
  "Müller, Anna" and "anna muller" share "anna muller".
"""

from __future__ import annotations

import unicodedata
from typing import Any

from db import crypto

GMAIL = frozenset({"gmail.com", "googlemail.com"})
PLUS_TAG = frozenset({
    "outlook.com", "hotmail.com", "live.com", "msn.com", "icloud.com", "me.com", "mac.com",
    "fastmail.com", "fastmail.fm", "proton.me", "protonmail.com", "pm.me", "yandex.ru", "yandex.com",
})


def email_key(email: str | None) -> str | None:
    if not email or "@" not in email:
        return None
    local, _, domain = email.strip().lower().rpartition("@")
    if domain in GMAIL:
        local, domain = local.split("+", 1)[0].replace(".", ""), "gmail.com"
    elif domain in PLUS_TAG:
        local = local.split("+", 1)[0]
    return f"{local}@{domain}" if local else None


def name_key(name: str | None) -> str | None:
    if not name:
        return None
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)).casefold()
    words = "".join(c if c.isalnum() else " " for c in plain).split()
    return " ".join(sorted(words))[:200] or None


# The blind indexes' purposes (mixed into their HMACs): what writers store and lookups compare.
EMAIL_INDEX, PHONE_INDEX, MAILBOX_INDEX = "customer.email", "customer.phone", "customer.email_key"


def keys_of(name: str | None, email: str | None, phone: str | None) -> dict[str, str | None]:
    """The stored match and lookup keys of a customer's (normalised) name, email and phone."""
    return {
        "email_key": crypto.blind(MAILBOX_INDEX, email_key(email)),
        "name_key": name_key(name),
        "email_bidx": crypto.blind(EMAIL_INDEX, email.lower() if email else None),
        "phone_bidx": crypto.blind(PHONE_INDEX, phone or None),
    }


def set_keys(customer: Any) -> None:
    """Refresh a customer's match keys (a Customer or the importer's duck-typed row)."""
    for key, value in keys_of(customer.name, customer.email, customer.phone).items():
        setattr(customer, key, value)


def email_lookup(email: str) -> list[str]:
    """The email_bidx values an exact lookup of this (normalised) email matches."""
    return crypto.blind_candidates(EMAIL_INDEX, email.lower())


def phone_lookup(phone: str) -> list[str]:
    """The phone_bidx values an exact lookup of this E.164 phone matches."""
    return crypto.blind_candidates(PHONE_INDEX, phone)
