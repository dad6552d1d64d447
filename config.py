"""Runtime settings, read once from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from urllib.parse import urlsplit

TRUSTED_DOCUMENT_MODES = ("allow", "only")


def _flag(name: str) -> bool:
    return os.environ.get(name, "").lower() in {"1", "true", "yes", "on"}


def _origins(value: str) -> tuple[str, ...]:
    """CANOPY_CORS_ORIGINS: `scheme://host[:port]` entries (or `*`), as browsers send Origin."""
    out = []
    for item in (v.strip().rstrip("/") for v in value.split(",")):
        if not item:
            continue
        parts = urlsplit(item)
        if item != "*" and (parts.scheme not in {"http", "https"} or not parts.netloc
                            or parts.path or parts.query or parts.fragment):
            raise ValueError(f"CANOPY_CORS_ORIGINS: {item!r} is not an origin like https://app.example.com")
        out.append(item)
    return tuple(out)


def _trusted_documents(value: str) -> str:
    mode = {"": "allow", "off": "allow"}.get(value.lower(), value.lower())
    if mode not in TRUSTED_DOCUMENT_MODES:
        raise ValueError(f"CANOPY_TRUSTED_DOCUMENTS must be 'only' or 'off', not {value!r}")
    return mode


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite+aiosqlite:///./canopy.db"
    env: str = "development"
    debug: bool = False
    redis_url: str | None = None
    telegram_token: str | None = None
    telegram_secret: str | None = None
    telegram_api_url: str | None = None  # a local Bot API server; default api.telegram.org
    max_page_size: int = 100
    session_token_days: int = 30
    event_retention_days: int = 30
    event_buffer: int = 2000  # events queued per live subscriber before it is dropped
    event_poll_seconds: float = 1.0  # safety-net poll of the event log
    redis_channel_prefix: str = "canopy"
    token_recheck_seconds: float = 30.0  # websocket connections re-check their token
    # Hardening (docs/security.md): static query cost, request body, per-token rate.
    max_query_cost: int = 50_000
    max_body_bytes: int = 1_048_576
    rate_limit_per_minute: int = 1_200  # per caller, moving window of 60 s
    rate_limit_burst: int = 200  # per caller, moving window of 1 s
    trusted_proxies: tuple[str, ...] = ()  # IPs/CIDRs whose X-Forwarded-For is believed
    metrics_token: str | None = None  # bearer for /metrics; unset: loopback peers only
    reminder_interval: float = 30.0  # seconds between reminder passes; 0 disables
    webhook_worker: bool = True  # canopy serve delivers webhooks (off: `canopy webhooks worker` apart)
    # Web clients (docs/web-api.md): browser origins allowed by CORS, trusted documents, APQ store.
    cors_origins: tuple[str, ...] = ()
    trusted_documents: str = "allow"  # "only": registered operations only (OWASP allow-list)
    apq_max_entries: int = 10_000  # automatic persisted queries remembered (LRU)
    apq_max_document_bytes: int = 32_768  # a longer document runs but is not remembered
    data_keys: str | None = None  # keyring file: field-level encryption at rest (db/crypto.py)

    @property
    def keyring_path(self) -> str | None:
        """data_keys, else `<file>.keys` beside a SQLite database when `canopy demo` wrote one."""
        from db.crypto import default_path

        return default_path(self.database_url, self.data_keys)
    campaign_worker: bool = True  # canopy serve runs campaigns (off: `canopy campaigns worker` apart)
    # Campaign email (docs/marketing.md); no host: emails fail (and retry) with "SMTP not configured".
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_from: str = "canopy@localhost"
    smtp_starttls: bool = True

    @property
    def production(self) -> bool:
        return self.env == "production"

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        values: dict[str, object] = {
            "database_url": os.environ.get("CANOPY_DATABASE_URL", cls.database_url),
            "env": os.environ.get("CANOPY_ENV", cls.env),
            "debug": _flag("CANOPY_DEBUG"),
            "redis_url": os.environ.get("CANOPY_REDIS_URL") or None,
            "telegram_token": os.environ.get("CANOPY_TELEGRAM_TOKEN") or None,
            "telegram_secret": os.environ.get("CANOPY_TELEGRAM_SECRET") or None,
            "telegram_api_url": os.environ.get("CANOPY_TELEGRAM_API_URL") or None,
            "event_retention_days": int(os.environ.get("CANOPY_EVENT_RETENTION_DAYS", "30")),
            "event_buffer": int(os.environ.get("CANOPY_EVENT_BUFFER", "2000")),
            "event_poll_seconds": float(os.environ.get("CANOPY_EVENT_POLL_SECONDS", "1")),
            "redis_channel_prefix": os.environ.get("CANOPY_REDIS_PREFIX", "canopy"),
            "token_recheck_seconds": float(os.environ.get("CANOPY_TOKEN_RECHECK_SECONDS", "30")),
            "max_query_cost": int(os.environ.get("CANOPY_MAX_QUERY_COST", cls.max_query_cost)),
            "max_body_bytes": int(os.environ.get("CANOPY_MAX_BODY_BYTES", cls.max_body_bytes)),
            "rate_limit_per_minute": int(os.environ.get("CANOPY_RATE_LIMIT_PER_MINUTE", cls.rate_limit_per_minute)),
            "rate_limit_burst": int(os.environ.get("CANOPY_RATE_LIMIT_BURST", cls.rate_limit_burst)),
            "reminder_interval": float(os.environ.get("CANOPY_REMINDER_INTERVAL", "30")),
            "trusted_proxies": tuple(
                p.strip() for p in os.environ.get("CANOPY_TRUSTED_PROXIES", "").split(",") if p.strip()
            ),
            "metrics_token": os.environ.get("CANOPY_METRICS_TOKEN") or None,
            "webhook_worker": os.environ.get("CANOPY_WEBHOOK_WORKER", "1").lower() not in {"0", "false", "no", "off"},
            "cors_origins": _origins(os.environ.get("CANOPY_CORS_ORIGINS", "")),
            "trusted_documents": _trusted_documents(os.environ.get("CANOPY_TRUSTED_DOCUMENTS", "")),
            "apq_max_entries": int(os.environ.get("CANOPY_APQ_MAX_ENTRIES", cls.apq_max_entries)),
            "apq_max_document_bytes": int(
                os.environ.get("CANOPY_APQ_MAX_DOCUMENT_BYTES", cls.apq_max_document_bytes)
            ),
            "data_keys": os.environ.get("CANOPY_DATA_KEYS") or None,
            "campaign_worker": os.environ.get("CANOPY_CAMPAIGN_WORKER", "1").lower() not in {"0", "false", "no", "off"},
            "smtp_host": os.environ.get("CANOPY_SMTP_HOST") or None,
            "smtp_port": int(os.environ.get("CANOPY_SMTP_PORT", cls.smtp_port)),
            "smtp_user": os.environ.get("CANOPY_SMTP_USER") or None,
            "smtp_password": os.environ.get("CANOPY_SMTP_PASSWORD") or None,
            "smtp_from": os.environ.get("CANOPY_SMTP_FROM", cls.smtp_from),
            "smtp_starttls": os.environ.get("CANOPY_SMTP_STARTTLS", "1").lower() not in {"0", "false", "no", "off"},
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]


def password_hash_params() -> dict[str, int]:
    """argon2 parameters: the library's defaults, or the cheapest ones when the tests ask.

    CANOPY_TEST_FAST_PASSWORD_HASH=1 is set by tests/conftest.py only (and inherited by
    the processes tests start): a hash then costs ~0.1 ms instead of ~60 ms. Refused in
    production, so a stray variable cannot weaken real passwords.
    """
    if not _flag("CANOPY_TEST_FAST_PASSWORD_HASH"):
        return {}
    if os.environ.get("CANOPY_ENV") == "production":
        raise RuntimeError("CANOPY_TEST_FAST_PASSWORD_HASH is for tests; unset it in production")
    return {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
