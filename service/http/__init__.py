"""The HTTP edge: controllers, the contract (msgspec Structs, OpenAPI), admission (origin check and
rate limits), security headers, and the mapping of errors to responses."""
