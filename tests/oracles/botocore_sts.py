#!/usr/bin/env python3
"""STS oracle: botocore's own STS client calls a stand-in, for credential_chain_botocore_test.cc.

Reads JSON lines on stdin, one call each:
  {"endpoint": "http://127.0.0.1:PORT", "access_key": "...", "secret_key": "...",
   "action": "AssumeRole" | "AssumeRoleWithWebIdentity", "role_arn": "...", "token": "..."}
and writes one JSON line per call, in order: {"access_key": "<the AccessKeyId handed out>"} or
{"error": "<STS error code>"}. AssumeRole is signed by botocore (SigV4, service sts) with the
given keys; AssumeRoleWithWebIdentity is not signed. Only 127.0.0.1 may be reached. Exits 3 if
botocore is missing.
"""

import json
import socket
import sys

_connect = socket.create_connection


def _loopback_only(address, *args, **kwargs):
    if address[0] not in ('127.0.0.1', 'localhost'):
        raise OSError('botocore_sts.py: only 127.0.0.1 may be reached')
    return _connect(address, *args, **kwargs)


socket.create_connection = _loopback_only

try:
    import botocore
    import botocore.session
    from botocore.config import Config
    from botocore.exceptions import ClientError
except ImportError as e:
    sys.stderr.write(f'botocore_sts.py: {e}; install python3-botocore\n')
    sys.exit(3)


def call(case):
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
    sys.stderr.write(f'botocore {botocore.__version__}\n')
    for line in sys.stdin:
        if line.strip():
            print(json.dumps(call(json.loads(line))), flush=True)


if __name__ == '__main__':
    main()
