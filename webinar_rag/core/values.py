"""Values read from an environment mapping: text, numbers in range, counts. An invalid value
is a `ConfigError` naming the variable and what it takes. (Which mapping is read is decided in
webinar_rag.core.settings, the one module that looks at the process environment.)"""

from __future__ import annotations

from collections.abc import Mapping

from webinar_rag.core.errors import ConfigError

Environment = Mapping[str, str]


def text(env: Environment, name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def number(env: Environment, name: str, default: float, low: float, high: float) -> float:
    """A number from the environment, or `default` when unset; anything else is an error."""
    raw = text(env, name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not low <= value <= high:
        upper = "" if high == float("inf") else f" and {high:g}"
        raise ConfigError(
            f"{name}={raw!r} is not valid: use a number between {low:g}{upper}, "
            f"or unset it for the default ({default:g})."
        )
    return value


def choice(env: Environment, name: str, options: tuple[str, ...]) -> str:
    """One of `options` from the environment, the first when unset."""
    raw = text(env, name)
    if raw is None:
        return options[0]
    if raw not in options:
        raise ConfigError(
            f"{name}={raw!r} is not valid: use {' or '.join(options)}, "
            f"or unset it for the default ({options[0]})."
        )
    return raw


def count(env: Environment, name: str, default: int | None, low: int, what: str) -> int | None:
    raw = text(env, name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) < low:
        raise ConfigError(f"{name}={raw!r} is not {what}; use a whole number of {low} or more.")
    return int(raw)
