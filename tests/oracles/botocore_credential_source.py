#!/usr/bin/env python3
"""Credential chain oracle: which source botocore's default chain picks, for
credential_chain_botocore_test.cc.

Reads JSON lines on stdin, one environment each: {"env": {"AWS_...": "..."}}. For each, every
AWS_* variable of this process is replaced by the given ones and a fresh botocore Session is
asked for its credentials. Writes one JSON line per case, in order: {"method": "<botocore's
method name>"} ("env", "assume-role", "assume-role-with-web-identity",
"shared-credentials-file", "custom-process", "config-file", "container-role", "iam-role"),
{"method": null} when botocore finds none, or {"error": "<exception class>"}.

Roles are not assumed (botocore defers AssumeRole until the keys are read, and they are not);
instance metadata and container credentials are fetched, from the test's stand-in on
127.0.0.1: connections anywhere else are refused. Exits 3 if botocore is missing.
"""

import json
import os
import socket
import sys

_connect = socket.create_connection


def _loopback_only(address, *args, **kwargs):
    if address[0] not in ('127.0.0.1', 'localhost'):
        raise OSError('botocore_credential_source.py: only 127.0.0.1 may be reached')
    return _connect(address, *args, **kwargs)


socket.create_connection = _loopback_only

try:
    import botocore
    import botocore.session
except ImportError as e:
    sys.stderr.write(f'botocore_credential_source.py: {e}; install python3-botocore\n')
    sys.exit(3)


def source(env):
    for name in [n for n in os.environ if n.startswith('AWS_')]:
        del os.environ[name]
    os.environ.update(env)
    try:
        credentials = botocore.session.Session().get_credentials()
    except Exception as e:  # the class names the failure; the message may hold a path
        return {'error': type(e).__name__}
    return {'method': credentials.method if credentials is not None else None}


def main():
    sys.stderr.write(f'botocore {botocore.__version__}\n')
    for line in sys.stdin:
        if line.strip():
            print(json.dumps(source(json.loads(line)['env'])), flush=True)


if __name__ == '__main__':
    main()
