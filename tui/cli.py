"""Entry point `pcmk-console` (filled in by the CLI work)."""


def main() -> int:
    raise SystemExit("pcmk-console: not built yet")
