#!/usr/bin/env python3
"""S3 endpoint oracle: where a real botocore S3 client sends requests, for s3_endpoint_test.cc.

Reads JSON lines on stdin, one client configuration and object each:

  {"bucket": "swha-audio", "region": "eu-west-1", "key": "audio/x.wav",
   "accelerate": true, "dualstack": false, "addressing_style": "auto" | "virtual" | "path",
   "access_key": "...", "secret_key": "...", "timestamp": 1369353600, "expires": 3600,
   "put_headers": [["Content-Type", "audio/wav"], ...], "put_body": "..."}

and writes one JSON line per case, in order:

  {"get_url": "<botocore's presigned GET URL>",
   "put_url": "<where botocore's client sends PutObject: scheme://host/path, no query>",
   "put_authorization": "...", "put_x_amz_date": "...", "put_x_amz_content_sha256": "..."}

or {"error": "..."} when botocore refuses the configuration. The presigned URL comes from
client.generate_presigned_url('get_object') with Config(s3={'use_accelerate_endpoint': ...,
'use_dualstack_endpoint': ..., 'addressing_style': ...}). The PutObject URL is botocore's own
endpoint resolution (its presigned put_object URL without the query); the Authorization header
is botocore's S3SigV4Auth over that URL with `put_headers` and `put_body`, through
botocore_sigv4.py's signer, at the same frozen time. No network; no AWS config files are read.
"""

import json
import os
import sys
from urllib.parse import urlsplit

os.environ['AWS_CONFIG_FILE'] = os.devnull
os.environ['AWS_SHARED_CREDENTIALS_FILE'] = os.devnull
for name in ('AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3',
             'AWS_S3_USE_ARN_REGION', 'AWS_USE_DUALSTACK_ENDPOINT', 'AWS_USE_FIPS_ENDPOINT'):
    os.environ.pop(name, None)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import botocore_sigv4  # noqa: E402  (freezes botocore's clock, switches the network off)
import botocore.session  # noqa: E402
from botocore.config import Config  # noqa: E402
from urllib.parse import unquote  # noqa: E402


_clients = {}  # one per configuration: making a botocore client takes about 0.1 s


def client_for(case):
    config_key = (case['region'], case['accelerate'], case['dualstack'], case['addressing_style'],
                  case['access_key'], case['secret_key'])
    if config_key not in _clients:
        config = Config(signature_version='s3v4',
                        s3={'use_accelerate_endpoint': case['accelerate'],
                            'use_dualstack_endpoint': case['dualstack'],
                            'addressing_style': case['addressing_style']})
        _clients[config_key] = botocore.session.get_session().create_client(
            's3', region_name=case['region'], aws_access_key_id=case['access_key'],
            aws_secret_access_key=case['secret_key'], config=config)
    return _clients[config_key]


def resolve(case):
    botocore_sigv4._now = botocore_sigv4.datetime.datetime.fromtimestamp(
        case['timestamp'], botocore_sigv4.datetime.timezone.utc).replace(tzinfo=None)
    client = client_for(case)
    params = {'Bucket': case['bucket'], 'Key': case['key']}
    get_url = client.generate_presigned_url('get_object', Params=params,
                                            ExpiresIn=case['expires'])
    put = urlsplit(client.generate_presigned_url('put_object', Params=params, ExpiresIn=60))
    header = botocore_sigv4.sign({
        'mode': 'header', 'method': 'PUT', 'host': put.netloc, 'path': unquote(put.path),
        'addressing': 'virtual', 'headers': case['put_headers'], 'body': case['put_body'],
        'access_key': case['access_key'], 'secret_key': case['secret_key'],
        'region': case['region'], 'timestamp': case['timestamp']})
    return {'get_url': get_url,
            'put_url': f'{put.scheme}://{put.netloc}{put.path}',
            'put_authorization': header['authorization'],
            'put_x_amz_date': header['x-amz-date'],
            'put_x_amz_content_sha256': header['x-amz-content-sha256']}


def main():
    sys.stderr.write(f'botocore_s3_endpoints.py: botocore {botocore.__version__}\n')
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            out = resolve(json.loads(line))
        except Exception as e:  # reported per case: a refused configuration names itself
            out = {'error': f'{type(e).__name__}: {e}'}
        sys.stdout.write(json.dumps(out) + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
