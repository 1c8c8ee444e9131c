#!/bin/sh
# The streaming function's handler (service/entry/lambda_stream.py says why): the Lambda Web Adapter runs it
# and forwards each request to the server it starts on 127.0.0.1:$AWS_LWA_PORT. The package is in
# LAMBDA_TASK_ROOT; the runtime's own modules (boto3, snapshot_restore_py) are in LAMBDA_RUNTIME_DIR.
export PYTHONPATH="${LAMBDA_TASK_ROOT}${LAMBDA_RUNTIME_DIR:+:$LAMBDA_RUNTIME_DIR}"
exec python3 -m service.entry.lambda_stream --port "${AWS_LWA_PORT:-${PORT:-8080}}"
