"""twin's service: the Litestar app, its HTTP contract, the chat engine, LLM providers and the CLI."""
