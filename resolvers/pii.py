"""Masking of personal data for viewers without the right to see it."""

from __future__ import annotations

from resolvers.permissions import sees_pii
from resolvers.viewer import Viewer


def mask_email(value: str) -> str:
    local, _, domain = value.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def mask_phone(value: str) -> str:
    return f"{value[:3]}***{value[-2:]}" if len(value) > 6 else "***"


def email_for(viewer: Viewer, value: str | None) -> str | None:
    return value if value is None or sees_pii(viewer) else mask_email(value)


def phone_for(viewer: Viewer, value: str | None) -> str | None:
    return value if value is None or sees_pii(viewer) else mask_phone(value)
