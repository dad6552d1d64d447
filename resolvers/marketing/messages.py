"""Campaign email: a template per locale rendered with Jinja2 (sandboxed, HTML autoescaped) and
babel's formats, sent with aiosmtplib to the CANOPY_SMTP_* server.

Template variables: `customer.name`, `store.name`, and when the recipient got one,
`coupon.code`, `coupon.value` (e.g. "€5.00" or "10 %", in the customer's locale) and
`coupon.expires` (a localised date). Filters `money(amount, currency)` and `date(value)` format
in the customer's locale. The subject is plain text (no escaping), the body HTML (escaped).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from email.message import EmailMessage
from typing import Any

import aiosmtplib
from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_currency, format_percent
from jinja2 import ChainableUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from config import Settings

# ChainableUndefined: `{{ coupon.code }}` is empty for a recipient without a coupon (not a member).
_HTML = SandboxedEnvironment(autoescape=True, undefined=ChainableUndefined)
_TEXT = SandboxedEnvironment(autoescape=False, undefined=ChainableUndefined)


def check_template(source: str) -> str | None:
    """None when `source` parses, else the parser's message."""
    try:
        _HTML.parse(source)
    except TemplateError as exc:
        return str(exc)[:200]
    return None


def pick_template(email: dict[str, Any], locale: str | None) -> tuple[str, dict[str, str]]:
    """The customer's locale, else its language (de-AT -> de), else the campaign's default."""
    templates = email["templates"]
    if locale in templates:
        return locale, templates[locale]
    language = (locale or "").split("-")[0]
    for key in templates:
        if key.split("-")[0] == language:
            return key, templates[key]
    return email["defaultLocale"], templates[email["defaultLocale"]]


def _babel_locale(tag: str) -> str:
    try:
        return str(Locale.parse(tag.replace("-", "_")))
    except (UnknownLocaleError, ValueError):
        return "en"


@dataclass(frozen=True)
class Rendered:
    locale: str
    subject: str
    html: str


def render(email: dict[str, Any], *, locale: str | None, values: dict[str, Any]) -> Rendered:
    chosen, template = pick_template(email, locale)
    babel_locale = _babel_locale(locale or chosen)

    def money(amount: Decimal | str, currency: str) -> str:
        return format_currency(Decimal(str(amount)), currency, locale=babel_locale)

    def date(value: datetime) -> str:
        return format_date(value, format="long", locale=babel_locale)

    context = dict(values)
    coupon = context.get("coupon")
    if coupon is not None:
        value = money(coupon["amount"], coupon["currency"]) if coupon.get("amount") is not None \
            else format_percent(Decimal(coupon["percent"]) / 100, locale=babel_locale)
        context["coupon"] = {**coupon, "value": value,
                             "expires": date(coupon["expires_at"]) if coupon.get("expires_at") else ""}
    filters = {"money": money, "date": date}
    subject_env, html_env = _TEXT.overlay(), _HTML.overlay()
    subject_env.filters.update(filters)
    html_env.filters.update(filters)
    # One line (no header injection), babel's no-break spaces kept.
    subject = re.sub(r"[ \t\r\n\f\v]+", " ", subject_env.from_string(template["subject"]).render(context)).strip()
    html = html_env.from_string(template["body"]).render(context)
    return Rendered(locale=chosen, subject=subject[:900], html=html)


def message_id_for(campaign_id: int, customer_id: int, domain: str) -> str:
    """Stable per (campaign, customer): a resend after a crash carries the same Message-ID, so
    mail systems can drop the duplicate."""
    return f"<campaign-{campaign_id}-{customer_id}@{domain}>"


async def send(settings: Settings, *, to: str, rendered: Rendered, message_id: str) -> None:
    """One message through SMTP; raises on any failure (the worker retries)."""
    if not settings.smtp_host:
        raise RuntimeError("SMTP not configured (CANOPY_SMTP_HOST)")
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = settings.smtp_from, to, rendered.subject
    message["Message-ID"] = message_id
    message.set_content("This message is HTML; open it in a mail client that shows HTML.")
    message.add_alternative(rendered.html, subtype="html")
    await aiosmtplib.send(
        message, hostname=settings.smtp_host, port=settings.smtp_port, username=settings.smtp_user,
        password=settings.smtp_password, start_tls=settings.smtp_starttls, timeout=20,
    )

