"""The twin as an MCP server: other people's AI assistants ask it about its owner at POST /mcp.

`contract` says what is offered (tools, resources, the prompt) as Structs; `twin` does it on the twin's
own collaborators; `endpoint` is the ASGI app the HTTP controller hands each request to, and `server`
adapts the two to the MCP SDK, which only `endpoint` imports, on the first request (see docs/mcp.md).
"""
