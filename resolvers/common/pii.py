"""Masking of personal data for viewers without the right to see it."""

from __future__ import annotations

from typing import Any

from resolvers.common.permissions import sees_pii
from resolvers.common.viewer import Viewer


def mask_email(value: str) -> str:
    local, _, domain = value.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def mask_phone(value: str) -> str:
    return f"{value[:3]}***{value[-2:]}" if len(value) > 6 else "***"


def email_for(viewer: Viewer, value: str | None) -> str | None:
    return value if value is None or sees_pii(viewer) else mask_email(value)


def phone_for(viewer: Viewer, value: str | None) -> str | None:
    return value if value is None or sees_pii(viewer) else mask_phone(value)


def mask_payload(viewer: Viewer, data: Any) -> Any:
    """A JSON payload (event data...) with email/phone values masked for viewers without PII."""
    if sees_pii(viewer):
        return data
    if isinstance(data, list):
        return [mask_payload(viewer, v) for v in data]
    if not isinstance(data, dict):
        return data
    out = {}
    for key, value in data.items():
        masker = PAYLOAD_MASKS.get(key)
        out[key] = masker(value) if masker and isinstance(value, str) else mask_payload(viewer, value)
    return out


# Keys of JSON payloads whose values are masked like the fields of the same name.
PAYLOAD_MASKS = {"email": mask_email, "phone": mask_phone}
