"""The console's entries in the command palette (ctrl+p), shown as literal text.

Textual's SystemCommand titles are parsed as markup (a node called `[@click=...]` would add a
link to the palette), so the console's own commands, which name nodes and resources, come from
this provider with rich Text prompts; Textual's built-in system commands stay as they are.
"""

from __future__ import annotations

from typing import Callable, Iterable, NamedTuple

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui.plaintext import one_line


class Entry(NamedTuple):
    title: str  # may hold cluster strings: shown literally
    help: str  # the console's own words only: Textual parses this as markup
    callback: Callable[[], object]


class ConsoleCommands(Provider):
    def _entries(self) -> Iterable[Entry]:
        entries = getattr(self.screen, "console_commands", None)  # the screen it opened from
        return entries() if entries is not None else ()

    async def discover(self) -> Hits:
        for entry in self._entries():
            yield DiscoveryHit(Text(one_line(entry.title)), entry.callback,
                               text=entry.title, help=entry.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for entry in self._entries():
            score = matcher.match(entry.title)
            if score > 0:
                yield Hit(score, Text(one_line(entry.title)), entry.callback,
                          text=entry.title, help=entry.help)
