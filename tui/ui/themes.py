"""Themes: YAML files -> textual Theme objects.

Shipped themes live in the repository's themes/ folder; users add their own (same format) in
user_config_dir("pcmk-console")/themes. A broken file never stops the console: it becomes an
error message (file and key named) and the console falls back to the default theme.
"""

from __future__ import annotations

from dataclasses import dataclass
import sys
from pathlib import Path

import yaml
from platformdirs import user_config_dir
from textual.color import Color, ColorParseError
from textual.theme import Theme

DEFAULT_THEME = "pcmk-dark"

# The console's own theme variables; CSS refers to them, so each needs a default.
VARIABLE_DEFAULTS: dict[str, str] = {
    "node-online": "#5CC98A",
    "node-offline": "#F0605A",
    "node-unclean": "#FF4FD8",
    "node-standby": "#E5B94E",
    "node-maintenance": "#6FB7F2",
    "node-pending": "#B4A7F5",
    "banner-critical": "#B3261E",
    "banner-critical-text": "#FFFFFF",
    "banner-warning": "#7A5A00",
    "banner-warning-text": "#FFFFFF",
    "production-frame": "#E02020",
    "flash": "#3A4A66",
}

_COLOR_FIELDS = (
    "primary", "secondary", "accent", "foreground", "background", "surface", "panel",
    "boost", "warning", "error", "success",
)
_ALLOWED = {"name", "dark", "variables", *_COLOR_FIELDS}


class ThemeError(Exception):
    """A theme file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class ThemeLoad:
    themes: tuple[Theme, ...]
    errors: tuple[str, ...]  # one message per file skipped, naming the file
    skipped: tuple[Path, ...] = ()  # those files, in the same order


def shipped_themes_dir() -> Path:
    """The source tree's themes/ (a checkout, an editable install), else the installed copy."""
    source = Path(__file__).resolve().parents[2] / "themes"
    if source.is_dir():
        return source
    return Path(sys.prefix) / "share" / "pcmk-console" / "themes"


def user_themes_dir() -> Path:
    return Path(user_config_dir("pcmk-console")) / "themes"


def _color(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise ThemeError(f"{where}: expected a colour string, got {value!r}")
    try:
        Color.parse(value)
    except ColorParseError as error:
        raise ThemeError(f"{where}: {value!r} is not a colour ({error})") from None
    return value


def theme_from_mapping(data: object, source: str) -> Theme:
    if not isinstance(data, dict):
        raise ThemeError(f"{source}: a theme file must be a mapping of keys to values")
    unknown = sorted(set(data) - _ALLOWED)
    if unknown:
        raise ThemeError(f"{source}: unknown key(s) {', '.join(map(str, unknown))}")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ThemeError(f"{source}: 'name' is required and must be a string")
    if "primary" not in data:
        raise ThemeError(f"{source}: 'primary' is required")
    colours = {
        key: _color(data[key], f"{source}: {key}") for key in _COLOR_FIELDS if key in data
    }
    dark = data.get("dark", True)
    if not isinstance(dark, bool):
        raise ThemeError(f"{source}: 'dark' must be true or false")
    variables = data.get("variables") or {}
    if not isinstance(variables, dict):
        raise ThemeError(f"{source}: 'variables' must be a mapping")
    checked = {
        str(key): _color(value, f"{source}: variables.{key}") for key, value in variables.items()
    }
    return Theme(name=name.strip(), dark=dark, variables=checked, **colours)


def load_theme_file(path: Path) -> Theme:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ThemeError(f"{path}: cannot read ({error.strerror or error})") from None
    except UnicodeDecodeError as error:
        raise ThemeError(f"{path}: not UTF-8 text (byte {error.start})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise ThemeError(f"{where}: not valid YAML ({getattr(error, 'problem', error)})") from None
    try:
        return theme_from_mapping(data, str(path))
    except ThemeError:
        raise
    except Exception as error:  # textual's Theme refusing a value: still name the file
        raise ThemeError(f"{path}: {error}") from None


def load_themes(*folders: Path) -> ThemeLoad:
    """Every *.yaml theme in the folders, in order (a later file with the same name wins)."""
    themes: dict[str, Theme] = {}
    errors: list[str] = []
    skipped: list[Path] = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml")):
            try:
                theme = load_theme_file(path)
            except ThemeError as error:
                errors.append(str(error))
                skipped.append(path)
            else:
                themes[theme.name] = theme
    return ThemeLoad(tuple(themes.values()), tuple(errors), tuple(skipped))
