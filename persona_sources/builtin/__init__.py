"""Built-in persona source types, written exactly like third-party plugins."""
