#!/usr/bin/env python3
"""SigV4 oracle: signs S3 requests with botocore, at a fixed time, for sigv4_botocore_test.cc.

Reads JSON lines on stdin, one request each:

  {"mode": "presign" | "header", "method": "GET", "host": "bucket.s3.us-east-1.amazonaws.com",
   "path": "/raw key", "query": [["k", "v"], ...], "headers": [["Name", "value"], ...],
   "access_key": "...", "secret_key": "...", "session_token": "..." (optional),
   "region": "us-east-1", "timestamp": 1369353600, "expires": 86400 (presign),
   "addressing": "path" | "virtual",
   "payload_sha256": "<hex>" | "UNSIGNED-PAYLOAD" (header, optional), "body": "..." (optional)}

and writes one JSON line per request, in order:

  presign: {"query": "<query string of botocore's presigned URL>", ...}
  header:  {"authorization": "...", "x-amz-date": "...", "x-amz-content-sha256": "...",
            "x-amz-security-token": "..." or null, ...}
  both:    "canonical_request" and "string_to_sign" as botocore logged them;
  or       {"error": "..."} when botocore could not sign that request.

`path` is raw; it is percent-encoded the way botocore's REST serializer encodes an S3 key
(percent_encode(key, safe='/~')), then signed by botocore.auth.S3SigV4Auth (header) or
S3SigV4QueryAuth (presign), which sign the path as given, without normalising it. `host` and
`path` are what goes on the wire, so `addressing` (bucket in the host, or first in the path)
changes nothing here; it is checked and kept only so that failures can be told apart.

For header signing, the payload hash comes from `body` (botocore hashes it), or from
"UNSIGNED-PAYLOAD" (botocore's own switch: s3.payload_signing_enabled = False), or is taken
as given. A "Date" header is not allowed: botocore replaces it with the signing time and drops
X-Amz-Date, which no S3 signer in this project does.

The network is switched off before botocore is imported. Exits 3 if botocore is missing.
"""

import datetime
import json
import logging
import socket
import sys
import types
from urllib.parse import urlsplit


def _no_network(*args, **kwargs):
    raise RuntimeError('botocore_sigv4.py must not touch the network')


socket.socket.connect = _no_network
socket.socket.connect_ex = _no_network
socket.socket.sendto = _no_network
socket.create_connection = _no_network
socket.getaddrinfo = _no_network

try:
    import botocore
    import botocore.auth
    from botocore.awsrequest import AWSRequest
    from botocore.config import Config
    from botocore.credentials import Credentials
    from botocore.utils import percent_encode
except ImportError as e:
    sys.stderr.write(f'botocore_sigv4.py: botocore is not importable ({e}); '
                     'install python3-botocore\n')
    sys.exit(3)

# The signing time. botocore.auth reads the clock through get_current_datetime() (1.31 and
# later) or datetime.datetime.utcnow() (before); both are pointed at this value.
_now = datetime.datetime(1970, 1, 1)


class _FrozenDatetime(datetime.datetime):
    @classmethod
    def utcnow(cls):
        return _now

    @classmethod
    def now(cls, tz=None):
        return _now if tz is None else _now.replace(tzinfo=datetime.timezone.utc).astimezone(tz)


botocore.auth.datetime = types.SimpleNamespace(datetime=_FrozenDatetime,
                                               timezone=datetime.timezone,
                                               timedelta=datetime.timedelta)
if hasattr(botocore.auth, 'get_current_datetime'):
    botocore.auth.get_current_datetime = lambda remove_tzinfo=True: (
        _now if remove_tzinfo else _now.replace(tzinfo=datetime.timezone.utc))


class _SigningLog(logging.Handler):
    """Keeps the canonical request and string to sign that botocore.auth logs at DEBUG."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.stages = {}

    def emit(self, record):
        if record.msg.startswith('CanonicalRequest:'):
            self.stages['canonical_request'] = record.args[0]
        elif record.msg.startswith('StringToSign:'):
            self.stages['string_to_sign'] = record.args[0]


_log = _SigningLog()
_auth_logger = logging.getLogger('botocore.auth')
_auth_logger.setLevel(logging.DEBUG)
_auth_logger.addHandler(_log)
_auth_logger.propagate = False


def sign(case):
    global _now
    mode = case['mode']
    if mode not in ('presign', 'header'):
        raise ValueError(f'unknown mode {mode!r}')
    if case.get('addressing') not in ('path', 'virtual'):
        raise ValueError(f'addressing must be "path" or "virtual", got {case.get("addressing")!r}')
    headers = [(name, value) for name, value in case.get('headers', [])]
    if any(name.lower() == 'date' for name, _ in headers):
        raise ValueError('a Date header changes how botocore dates the request; not supported')
    _now = datetime.datetime.fromtimestamp(case['timestamp'], datetime.timezone.utc).replace(
        tzinfo=None)

    credentials = Credentials(case['access_key'], case['secret_key'],
                              case.get('session_token') or None)
    url = 'https://' + case['host'] + percent_encode(case['path'], safe='/~')
    request = AWSRequest(method=case['method'], url=url)
    for name, value in headers:
        request.headers[name] = value  # HTTPHeaders appends, so repeated names stay repeated
    query = [(k, v) for k, v in case.get('query', [])]

    if mode == 'presign':
        keys = [k for k, _ in query]
        if len(set(keys)) != len(keys):
            raise ValueError('botocore presigns a dict of parameters; no repeated keys')
        request.params = dict(query)
        signer = botocore.auth.S3SigV4QueryAuth(credentials, 's3', case['region'],
                                                expires=case['expires'])
    else:
        request.params = query
        signer = botocore.auth.S3SigV4Auth(credentials, 's3', case['region'])
        payload = case.get('payload_sha256')
        if 'body' in case:
            request.data = case['body'].encode('utf-8')
        elif payload == 'UNSIGNED-PAYLOAD':
            request.context['client_config'] = Config(s3={'payload_signing_enabled': False})
        elif payload:
            signer.payload = lambda _request: payload

    _log.stages = {}
    signer.add_auth(request)
    out = dict(_log.stages)
    if mode == 'presign':
        out['query'] = urlsplit(request.url).query
    else:
        out['authorization'] = request.headers['Authorization']
        out['x-amz-date'] = request.headers['X-Amz-Date']
        out['x-amz-content-sha256'] = request.headers['X-Amz-Content-SHA256']
        out['x-amz-security-token'] = request.headers.get('X-Amz-Security-Token')
    return out


def main():
    sys.stderr.write(f'botocore_sigv4.py: botocore {botocore.__version__} from '
                     f'{botocore.__file__}, Python {sys.version.split()[0]}\n')
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            out = sign(json.loads(line))
        except Exception as e:  # reported per request, so one bad case names itself
            out = {'error': f'{type(e).__name__}: {e}'}
        sys.stdout.write(json.dumps(out) + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
