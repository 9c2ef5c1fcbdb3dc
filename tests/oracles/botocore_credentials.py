#!/usr/bin/env python3
"""Credentials oracle: botocore's default chain and its STS client, for
credential_chain_botocore_test.cc. Only 127.0.0.1 may be reached (the test's stand-ins).

`botocore_credentials.py source` reads JSON lines on stdin, one environment each:
{"env": {"AWS_...": "..."}}. For each, every AWS_* variable of this process is replaced by the
given ones and a fresh Session is asked for its credentials. It writes one line per case:
{"method": "<botocore's method name>"} ("env", "assume-role", "assume-role-with-web-identity",
"shared-credentials-file", "custom-process", "config-file", "container-role", "iam-role"),
{"method": null} when botocore finds none, or {"error": "<exception class>"}. Roles are not
assumed: botocore defers AssumeRole until the keys are read, and they are not.

`botocore_credentials.py sts` reads one call per line: {"endpoint", "access_key",
"secret_key", "action": "AssumeRole" | "AssumeRoleWithWebIdentity", "role_arn", "token"}, and
writes {"access_key": "<the AccessKeyId handed out>"} or {"error": "<STS error code>"}.
AssumeRole is signed by botocore (SigV4, service sts); the web identity call is not.

Exits 3 if botocore is missing, 2 on a wrong mode.
"""

import json
import os
import socket
import sys

_connect = socket.create_connection


def _loopback_only(address, *args, **kwargs):
    if address[0] not in ('127.0.0.1', 'localhost'):
        raise OSError('botocore_credentials.py: only 127.0.0.1 may be reached')
    return _connect(address, *args, **kwargs)


socket.create_connection = _loopback_only

try:
    import botocore
    import botocore.session
    from botocore.config import Config
    from botocore.exceptions import ClientError
except ImportError as e:
    sys.stderr.write(f'botocore_credentials.py: {e}; install python3-botocore\n')
    sys.exit(3)


def source(case):
    for name in [n for n in os.environ if n.startswith('AWS_')]:
        del os.environ[name]
    os.environ.update(case['env'])
    try:
        credentials = botocore.session.Session().get_credentials()
    except Exception as e:  # the class names the failure; the message may hold a path
        return {'error': type(e).__name__}
    return {'method': credentials.method if credentials is not None else None}


def sts(case):
    client = botocore.session.Session().create_client(
        'sts', region_name='us-east-1', endpoint_url=case['endpoint'],
        aws_access_key_id=case['access_key'], aws_secret_access_key=case['secret_key'],
        config=Config(retries={'max_attempts': 1}))
    try:
        if case['action'] == 'AssumeRole':
            answer = client.assume_role(RoleArn=case['role_arn'], RoleSessionName='botocore')
        else:
            answer = client.assume_role_with_web_identity(
                RoleArn=case['role_arn'], RoleSessionName='botocore',
                WebIdentityToken=case['token'])
    except ClientError as e:
        return {'error': e.response['Error']['Code']}
    return {'access_key': answer['Credentials']['AccessKeyId']}


def main():
    modes = {'source': source, 'sts': sts}
    if len(sys.argv) != 2 or sys.argv[1] not in modes:
        sys.stderr.write('usage: botocore_credentials.py source|sts\n')
        sys.exit(2)
    sys.stderr.write(f'botocore {botocore.__version__}\n')
    for line in sys.stdin:
        if line.strip():
            print(json.dumps(modes[sys.argv[1]](json.loads(line))), flush=True)


if __name__ == '__main__':
    main()
