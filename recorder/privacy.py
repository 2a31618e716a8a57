"""What may be stored: the privacy policy applied to every action before it is queued.

Default-safe: typed text becomes its length and character classes unless the app is on
the allow-list; secret fields (by field name, title or the OS's secure input) never keep
text; deny-listed apps and titles leave one placeholder event with no title and no
screenshot; e-mails, phone numbers, IBANs, card numbers and national ids are redacted
from titles, URLs, element names and kept text.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime

from recorder.backends.base import WindowInfo
from recorder.config import RecorderConfig
from recorder.reduce import Action
from storage.errors import ConfigError
from storage.models import Event

PLACEHOLDER_APP = "[private]"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30}\b")
_CARD = re.compile(r"\b\d(?:[ -]?\d){12,18}\b")
_SSN = re.compile(r"\b\d{3}-\d{2}-\d{4}\b")
_NINO = re.compile(r"\b[A-CEGHJ-PR-TW-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b")
_PHONE = re.compile(
    r"(?<![\w+])(?<!\d[ ./-])(?:\(\d{1,4}\)[ ./-]?\d{3,4}[ ./-]\d{3,5}"
    r"|(?:(?:\+|00)\d{1,3}[ ./-]?)?\d{2,4}[ ./-]\d{3,4}[ ./-]?\d{3,5})\b(?![ ./-]?\d)"
)
_URL = re.compile(r"\bhttps?://[^\s\"'<>]+|\bwww\.[\w-]+(?:\.[\w-]+)+[^\s\"'<>]*")


def redact_pii(text: str) -> str:
    """Replace personal data in ``text`` with ``[email]``, ``[iban]``, ``[card]``…"""
    text = _EMAIL.sub("[email]", text)
    text = _IBAN.sub(lambda m: "[iban]" if _iban_ok(m.group()) else m.group(), text)
    text = _CARD.sub(lambda m: "[card]" if _luhn_ok(m.group()) else m.group(), text)
    text = _SSN.sub("[national_id]", text)
    text = _NINO.sub("[national_id]", text)
    return _PHONE.sub("[phone]", text)


def _luhn_ok(candidate: str) -> bool:
    digits = [int(c) for c in candidate if c.isdigit()]
    checksum = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        checksum += d
    return checksum % 10 == 0


def _iban_ok(candidate: str) -> bool:
    iban = candidate.replace(" ", "")
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def url_from_title(title: str) -> str | None:
    """Browsers show no URL in the title, but some pages and extensions put one there."""
    match = _URL.search(title)
    return match.group().rstrip(".,;)") if match else None


def pseudonymize(name: str, salt: str) -> str:
    """A stable id that does not reveal ``name`` to anyone without the salt."""
    return "u_" + hashlib.sha256(f"{salt}\0{name}".encode()).hexdigest()[:16]


def char_classes(text: str) -> list[str]:
    """Which kinds of characters ``text`` has: enough to tell a number from a name."""
    found = {
        "lower": any(c.islower() for c in text),
        "upper": any(c.isupper() for c in text),
        "digit": any(c.isdigit() for c in text),
        "space": any(c.isspace() for c in text),
        "punct": any(not c.isalnum() and not c.isspace() for c in text),
    }
    return [name for name, present in found.items() if present]


class PrivacyPolicy:
    """Turns reduced actions into storable events, or into nothing."""

    def __init__(self, config: RecorderConfig) -> None:
        self.config = config
        self.keep_text_apps = {a.lower() for a in config.keep_text_apps}
        self.deny_apps = {a.lower() for a in config.deny_apps}
        self.deny_titles = _any_of(config.deny_title_patterns, "deny_title_patterns")
        self.secret = _any_of(config.secret_patterns, "secret_patterns")

    def is_denied(self, window: WindowInfo | None) -> bool:
        if window is None:
            return False
        if _names(window) & self.deny_apps:
            return True
        return bool(window.title and self.deny_titles and self.deny_titles.search(window.title))

    def is_secret(self, window: WindowInfo | None, element: str | None) -> bool:
        if window is not None and window.secure_input:
            return True
        if self.secret is None:
            return False
        return any(s and self.secret.search(s) for s in (element, window and window.title))

    def to_event(self, action: Action, session_id: str, user_id: str) -> tuple[Event, bool] | None:
        """The event to store for ``action`` and whether a screenshot may go with it."""
        window = action.window
        if self.is_denied(window):
            if action.kind != "focus":
                return None
            placeholder = Event(
                session_id=session_id,
                user_id=user_id,
                ts=_utc(action.ts),
                kind="focus",
                app=PLACEHOLDER_APP,
                attrs=json.dumps({"private": True}),
            )
            return placeholder, False
        attrs = dict(action.attrs) | window_attrs(window, action.x, action.y)
        text = self._text(action, attrs)
        title = window.title if window else None
        event = Event(
            session_id=session_id,
            user_id=user_id,
            ts=_utc(action.ts),
            kind=action.kind,
            app=window.app if window else None,
            window_title=self._clean(title),
            url=self._clean(url_from_title(title)) if title else None,
            element_name=self._clean(action.element),
            x=action.x,
            y=action.y,
            text=text,
            attrs=json.dumps(attrs, sort_keys=True) if attrs else None,
        )
        return event, window is not None

    def _text(self, action: Action, attrs: dict) -> str | None:
        if action.kind != "type":
            return action.text  # hotkey names, never typed content
        typed = action.text or ""
        if self.is_secret(action.window, action.element):
            attrs["secret"] = True
            return None
        attrs["length"] = len(typed)
        attrs["classes"] = char_classes(typed)
        if action.field_known and self._keeps_text(action.window):
            return self._clean(typed)
        return None

    def _keeps_text(self, window: WindowInfo | None) -> bool:
        return window is not None and bool(_names(window) & self.keep_text_apps)

    def _clean(self, text: str | None) -> str | None:
        if text is None:
            return None
        return redact_pii(text) if self.config.redact_pii else text


def window_attrs(window: WindowInfo | None, x: int | None, y: int | None) -> dict[str, int]:
    """The window's screen rectangle (``win_x``, ``win_y``, ``win_w``, ``win_h``) and a
    pointer position relative to it (``rel_x``, ``rel_y``): replay clicks that offset in
    the window when the element cannot be found, wherever the window is then."""
    if window is None or window.width <= 0 or window.height <= 0:
        return {}  # the OS reported no geometry
    attrs = {"win_x": window.x, "win_y": window.y, "win_w": window.width, "win_h": window.height}
    if x is not None and y is not None:
        attrs["rel_x"], attrs["rel_y"] = x - window.x, y - window.y
    return attrs


def _names(window: WindowInfo) -> set[str]:
    return {n.lower() for n in (window.app, window.wm_class) if n}


def _any_of(patterns: list[str], setting_name: str) -> re.Pattern[str] | None:
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(
                f"setting {setting_name}: {pattern!r} is not a regular expression ({exc})"
            ) from exc
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE) if patterns else None


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC).replace(tzinfo=None)
