"""How the app is served: uvicorn (`twin serve`, `service.entry.asgi:app`), AWS Lambda through Mangum
(`service.entry.lambda_handler.handler`) and the streaming function's start script (`lambda_stream.sh`)."""
