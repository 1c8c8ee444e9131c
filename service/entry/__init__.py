"""How the app is served, besides the buffered Lambda's `service.lambda_handler.handler` (the name the
infrastructure configures): uvicorn (`twin serve`, `service.entry.asgi:app`), the streaming function
(`lambda_stream.sh`, which starts uvicorn for the Lambda Web Adapter) and the secrets both Lambdas read."""
