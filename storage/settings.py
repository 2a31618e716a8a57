"""Typed settings with one precedence rule for every package.

Each package declares its settings once, as a frozen dataclass whose fields carry a
``help`` text in their metadata (see `setting`). That dataclass is the table that drives
validation, ``--help`` and the docs. Values resolve, lowest first, from the field
defaults, the package's section of a TOML file, ``TASKMINE_<SECTION>_<NAME>`` environment
variables and explicit overrides (CLI flags). Unknown keys are rejected with a hint.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import tomllib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from storage.errors import ConfigError

T = TypeVar("T")


def setting(default: Any, help: str) -> Any:  # noqa: A002 - mirrors argparse's name
    """Declare a dataclass field as a documented setting."""
    if isinstance(default, list | dict | set):
        return dataclasses.field(
            default_factory=lambda: type(default)(default), metadata={"help": help}
        )
    return dataclasses.field(default=default, metadata={"help": help})


def describe(cls: type) -> list[tuple[str, Any, str]]:
    """(name, default, help) of each setting, for docs and ``--help``."""
    rows = []
    for f in dataclasses.fields(cls):
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
        rows.append((f.name, default, f.metadata.get("help", "")))
    return rows


def load_config(
    cls: type[T],
    section: str,
    path: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> T:
    """Resolve settings of ``cls`` from defaults, TOML ``[section]``, environment, overrides.

    Example::

        config = load_config(MiningConfig, "mining", "taskmine.toml", os.environ, {"seed": 7})
    """
    fields = {f.name: f for f in dataclasses.fields(cls)}
    values: dict[str, Any] = {}
    if path is not None:
        values.update(_from_toml(Path(path), section, fields))
    prefix = f"TASKMINE_{section.upper()}_"
    for key, raw in (env if env is not None else os.environ).items():
        if key.startswith(prefix):
            name = key[len(prefix) :].lower()
            _check_known(name, fields, f"environment variable {key}")
            values[name] = _parse_env(raw, _field_type(cls, name), key)
    for name, value in (overrides or {}).items():
        if value is not None:
            _check_known(name, fields, "option")
            values[name] = value
    for name, value in values.items():
        values[name] = _coerce(value, _field_type(cls, name), name)
    return cls(**values)


def _from_toml(path: Path, section: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"config file {path} does not exist") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
    table = data.get(section, {})
    if not isinstance(table, dict):
        raise ConfigError(f"config file {path}: [{section}] must be a table")
    for name in table:
        _check_known(name, fields, f"key [{section}].{name} in {path}")
    return dict(table)


def _check_known(name: str, fields: Mapping[str, Any], where: str) -> None:
    if name not in fields:
        close = difflib.get_close_matches(name, list(fields), n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(sorted(fields))}"
        raise ConfigError(f"unknown setting in {where}", hint)


def _field_type(cls: type, name: str) -> Any:
    return typing.get_type_hints(cls)[name]


def _parse_env(raw: str, kind: Any, key: str) -> Any:
    base = _base_type(kind)
    if base is bool:
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"environment variable {key}={raw!r} is not a boolean")
    if base in (list, tuple):
        return [part.strip() for part in raw.split(",") if part.strip()]
    return raw


def _base_type(kind: Any) -> Any:
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(kind) if a is not type(None)]
        return _base_type(args[0]) if args else kind
    return origin or kind


def _coerce(value: Any, kind: Any, name: str) -> Any:
    base = _base_type(kind)
    if value is None:
        return None
    try:
        if base is bool:
            if isinstance(value, bool):
                return value
            raise TypeError
        if base in (int, float, str):
            return base(value)
        if base in (list, tuple):
            if not isinstance(value, list | tuple):
                raise TypeError
            return base(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"setting {name}={value!r} is not a valid {base.__name__}") from exc
    return value
