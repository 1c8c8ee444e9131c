"""Invoke a Lambda package's handler like the python3.12 runtime would, with the standard library only.

    python3.12 -I -S lambda_invoke.py PACKAGE_DIR [RUNTIME_DIR ...] < events.json

Only PACKAGE_DIR (as /var/task) and the RUNTIME_DIRs (what the runtime provides, e.g. boto3) are
importable: no virtual environment, no site-packages. Reads a JSON list of API Gateway events and
prints one JSON line per invocation with the response, then a line with the timings. With
LAMBDA_INVOKE_MODULES set to a file name, it first lets the background work the invocations left on
the handler's event loop (owner notifications) finish, then writes there every module imported.

With LAMBDA_INVOKE_SNAPSTART set it does what the runtime does for SnapStart after the import: runs
the before-snapshot hooks, prints `{"snapshot": true}` and waits for one line on stdin (the snapshot,
and later the restore), then runs the after-restore hooks before reading the events.
"""

import asyncio
import json
import os
import sys
import time

started = time.perf_counter()
package, runtime = sys.argv[1], sys.argv[2:]
sys.path[:0] = [package, *runtime]
os.chdir(package)
module_name, _, function = os.environ.get("HANDLER", "service.lambda_handler.handler").rpartition(".")
handler = getattr(__import__(module_name, fromlist=[function]), function)
imported = time.perf_counter()
if os.environ.get("LAMBDA_INVOKE_SNAPSTART"):
    from snapshot_restore_py import get_after_restore, get_before_snapshot

    before = get_before_snapshot()
    while before:  # in reverse order of registration, as the runtime runs them
        hook, args, kwargs = before.pop()
        hook(*args, **kwargs)
    print(json.dumps({"snapshot": True}), flush=True)
    sys.stdin.readline()
    for hook, args, kwargs in get_after_restore():
        hook(*args, **kwargs)
events = json.load(sys.stdin)
first = None
for event in events:
    response = handler(event, None)
    first = first or time.perf_counter()
    print(json.dumps(response), flush=True)
print(
    json.dumps({"import_s": imported - started, "first_response_s": (first or imported) - started}),
    flush=True,
)
modules = os.environ.get("LAMBDA_INVOKE_MODULES")
if modules:
    loop = asyncio.get_event_loop()  # the loop Mangum ran every invocation on
    loop.run_until_complete(asyncio.gather(*asyncio.all_tasks(loop), return_exceptions=True))
    with open(modules, "w", encoding="utf-8") as out:
        for name, module in sorted(sys.modules.items()):
            out.write(f"{name}\t{getattr(module, '__file__', None) or ''}\n")
