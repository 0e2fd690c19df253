"""Configuration from the environment (prefix CONSENTQL_), one place for every knob."""

import base64
import contextlib
import os
import secrets
from enum import StrEnum
from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from models.keyring import KEY_BYTES, Keyring


class Mode(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class SmtpSecurity(StrEnum):
    STARTTLS = "starttls"  # upgrade after connecting (port 587)
    TLS = "tls"  # TLS from the start (port 465)
    NONE = "none"  # a relay on the same host or network only


class LogFormat(StrEnum):
    # One JSON object per line, for a log shipper (the default in production).
    JSON = "json"
    # One readable line per record, for a person at a terminal (the default in development).
    CONSOLE = "console"


class Tracing(StrEnum):
    OFF = "off"
    # OpenTelemetry over OTLP/HTTP, to the standard OTEL_EXPORTER_OTLP_* endpoint.
    OTLP = "otlp"
    # Spans printed to stdout, to see what would be sent.
    CONSOLE = "console"


class ConfigurationError(RuntimeError):
    """Start-up refused: the message says what to set."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CONSENTQL_", extra="ignore")

    mode: Mode = Mode.DEVELOPMENT
    data_dir: Path = Path("data")
    # Empty means the SQLite file in data_dir.
    database_url: str = ""
    # 32 bytes, base64. In development one is generated once into data_dir.
    master_key: str = ""
    # During a master-key rotation (JSON list, base64): the keys being retired, until
    # `consentql keys rotate` has re-wrapped every data key under `master_key`.
    previous_master_keys: list[str] = Field(default_factory=list)
    # 32 bytes, base64: the key of the look-up hashes, pinned before the master key changes
    # (`consentql keys lookup-key` prints the one in use). Empty: derived from the master key.
    lookup_key: str = ""
    # 32 bytes, base64: the MAC key of the audit ledger (P-SEC-5), never stored in the database.
    # Empty: derived from the master key; pin it (`consentql keys audit-key`) before rotating that.
    audit_key: str = ""
    # JSON list, base64: retired audit keys, so links MACed under them still verify.
    previous_audit_keys: list[str] = Field(default_factory=list)
    # Where `consentql audit checkpoint` appends the chains' heads: a file, or a directory for
    # audit-checkpoints.jsonl. Outside the database, append-only in production. Development
    # defaults to data_dir/audit-checkpoints.
    audit_checkpoint_dir: Path | None = None
    # How many audit chains may take appends at once on PostgreSQL (SQLite uses one).
    audit_chains: int = Field(default=16, ge=1)
    # P-REGION-1: where the data is stored; anything but mainland China refuses to start.
    storage_region: str = "CN"
    session_hours: int = 12
    session_cookie: str = "consentql_session"
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 4
    max_body_bytes: int = 256 * 1024
    # Query limits (P-SEC-4): graphql-armor's defaults or stricter.
    query_max_depth: int = 6
    query_max_aliases: int = 15
    query_max_cost: int = 5000
    plugins: list[str] = Field(default_factory=list)
    # Cross-origin callers allowed to use the API from a browser (JSON list); none by default.
    cors_origins: list[str] = Field(default_factory=list)
    # Sign-in throttling (P-SEC-4) is kept here when set (redis://...), else in the database.
    redis_url: str = ""
    consent_enforcement: bool = True
    # Only documents added with `consentql documents add` run, except for admins (P-SEC-4).
    trusted_documents_only: bool = False
    # Level of the logs `consentql serve` writes to stderr (api/http/logging.py).
    log_level: str = "INFO"
    # Unset: console in development, JSON in production.
    log_format: LogFormat | None = None
    # OpenTelemetry spans (the `otel` extra): no personal data, literal or variable in them.
    tracing: Tracing = Tracing.OFF
    # A folder of cn-YYYY.json working-day calendars replacing the bundled ones (P-CANCEL-1).
    holiday_calendar_dir: Path | None = None
    # "module:Class" of the notification sender; the default writes to the outbox table.
    notification_sender: str = "api.notices.notifications:OutboxSender"
    # Scheduled jobs (api/jobs): whether `consentql serve` workers run them too (a lease in the
    # database keeps each job to one runner); false when `consentql worker` runs them instead.
    jobs_in_server: bool = True
    # How often each process looks for due jobs.
    jobs_tick_seconds: float = 30.0
    # Email over SMTP; without a host, development prints each message to the console.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_tls: SmtpSecurity = SmtpSecurity.STARTTLS
    smtp_from: str = ""
    # SMS through an HTTP gateway (api/notices/sms.py says what it posts); without a URL,
    # development prints each message to the console.
    sms_gateway_url: str = ""
    sms_gateway_key: str = ""
    # Letters: one print batch per delivery run in this folder (default: data_dir/letters).
    letter_dir: Path | None = None
    # Delivery retries: after 1, 2, 4 ... times this many seconds, at most this many attempts.
    delivery_retry_seconds: int = 60
    delivery_max_attempts: int = 8

    @property
    def letter_folder(self) -> Path:
        return self.letter_dir or self.data_dir / "letters"

    @property
    def calendar_folder(self) -> Path:
        """Where `consentql calendar import` puts a year; read along with the bundled years."""
        return self.holiday_calendar_dir or self.data_dir / "holidays"

    @property
    def production(self) -> bool:
        return self.mode is Mode.PRODUCTION

    @property
    def resolved_log_format(self) -> LogFormat:
        if self.log_format is not None:
            return self.log_format
        return LogFormat.JSON if self.production else LogFormat.CONSOLE

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite://{self.data_dir / 'consentql.sqlite3'}"

    @property
    def audit_checkpoints(self) -> Path | None:
        """Where audit checkpoints go; None in production until configured."""
        if self.audit_checkpoint_dir is not None:
            return self.audit_checkpoint_dir
        return None if self.production else self.data_dir / "audit-checkpoints"

    def load_keyring(self) -> Keyring:
        if self.previous_master_keys:
            for pinned, name, command in (
                (self.lookup_key, "LOOKUP_KEY", "lookup-key"),
                (self.audit_key, "AUDIT_KEY", "audit-key"),
            ):
                if not pinned:
                    raise ConfigurationError(
                        f"CONSENTQL_PREVIOUS_MASTER_KEYS is set but CONSENTQL_{name} is not: it "
                        "was derived from the old master key; set it to what `consentql keys "
                        f"{command}` printed under that key"
                    )
        return Keyring.from_master_key(
            self.load_master_key(),
            retired=[
                _key(value, "CONSENTQL_PREVIOUS_MASTER_KEYS") for value in self.previous_master_keys
            ],
            lookup_key=_key(self.lookup_key, "CONSENTQL_LOOKUP_KEY") if self.lookup_key else None,
            audit_key=_key(self.audit_key, "CONSENTQL_AUDIT_KEY") if self.audit_key else None,
            previous_audit_keys=[
                _key(value, "CONSENTQL_PREVIOUS_AUDIT_KEYS") for value in self.previous_audit_keys
            ],
        )

    def load_master_key(self) -> bytes:
        if self.master_key:
            return _key(self.master_key, "CONSENTQL_MASTER_KEY")
        if self.production:
            raise ConfigurationError(
                "CONSENTQL_MASTER_KEY is not set: production mode needs the master key "
                "(32 random bytes, base64) from your secret store"
            )
        return _key(self._development_master_key(), "the development master key")

    def _development_master_key(self) -> str:
        path = self.data_dir / "master.key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            draft = path.with_suffix(f".{os.getpid()}.tmp")
            fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(base64.b64encode(secrets.token_bytes(32)).decode())
            # link() is atomic and refuses an existing name: of two workers starting at once,
            # exactly one key wins and both read it.
            with contextlib.suppress(FileExistsError):
                os.link(draft, path)
            draft.unlink()
        return path.read_text().strip()

    def check(self) -> None:
        if self.storage_region != "CN":
            raise ConfigurationError(
                f"CONSENTQL_STORAGE_REGION is {self.storage_region!r}: the policy keeps personal "
                "information in mainland China (P-REGION-1); set it to CN"
            )
        if self.smtp_host and not self.smtp_from:
            raise ConfigurationError(
                "CONSENTQL_SMTP_HOST is set but CONSENTQL_SMTP_FROM is not: set the sender "
                "address of notices, e.g. privacy@example.com"
            )


def _key(value: str, name: str) -> bytes:
    try:
        key = base64.b64decode(value.strip(), validate=True)
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise ConfigurationError(f"{name} must be {KEY_BYTES} bytes, base64-encoded")
    return key
