"""pcmk-console: a terminal console for Pacemaker clusters."""
__version__ = "0.1.0"
