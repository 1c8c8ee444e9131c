"""The chat turn: the engine that prepares each turn, the turn itself, and what it relies on (the
history window, the spend cap, the owner's answers, the optional judge)."""
