#!/usr/bin/env python3
"""The botocore side of `swha_bench presign`: presigned GET URLs per second, one thread.

  python3 bench/botocore_presign.py --seconds 1 --rounds 5 --key audio/anonymous/<session>/segment_000.wav \
      --access-key ... --secret-key ... --endpoint-url http://127.0.0.1:9000 --bucket swha-bench

For each addressing style ("path": the given endpoint, path style; "virtual": AWS itself,
virtual-hosted, region us-east-1) it builds one S3 client, presigns 200 URLs untimed (warm-up),
then runs `rounds` rounds of `client.generate_presigned_url('get_object', ...)` for at least
`seconds` each, and prints one JSON line per round:

  {"style": "path", "round": 1, "urls": 81234, "seconds": 1.0003, "per_second": 81210.3,
   "url_bytes": 123456789}

and first, per style, {"style": ..., "example": "<one URL>"}. Signing is local: the network is
switched off before botocore is imported, as in tests/oracles/botocore_sigv4.py. Exits 3 if
botocore is missing.
"""

import argparse
import json
import socket
import sys
import time


def _no_network(*args, **kwargs):
    raise RuntimeError('botocore_presign.py must not touch the network')


socket.socket.connect = _no_network
socket.socket.connect_ex = _no_network
socket.create_connection = _no_network
socket.getaddrinfo = _no_network

try:
    import botocore
    import botocore.session
    from botocore.config import Config
except ImportError as e:
    sys.stderr.write(f'botocore_presign.py: botocore is not importable ({e}); '
                     'install python3-botocore\n')
    sys.exit(3)


def make_client(style, args):
    session = botocore.session.get_session()
    config = Config(signature_version='s3v4', s3={'addressing_style': style},
                    retries={'max_attempts': 1})
    return session.create_client(
        's3', region_name=args.region, aws_access_key_id=args.access_key,
        aws_secret_access_key=args.secret_key,
        endpoint_url=args.endpoint_url if style == 'path' else None, config=config)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--seconds', type=float, default=1.0)
    p.add_argument('--rounds', type=int, default=5)
    p.add_argument('--expires', type=int, default=3600)
    p.add_argument('--key', required=True)
    p.add_argument('--bucket', required=True)
    p.add_argument('--region', default='us-east-1')
    p.add_argument('--access-key', required=True)
    p.add_argument('--secret-key', required=True)
    p.add_argument('--endpoint-url', required=True)
    p.add_argument('--styles', default='path,virtual')
    args = p.parse_args()

    params = {'Bucket': args.bucket, 'Key': args.key}
    for style in args.styles.split(','):
        client = make_client(style, args)
        presign = client.generate_presigned_url
        print(json.dumps({'style': style, 'botocore': botocore.__version__,
                          'example': presign('get_object', Params=params,
                                             ExpiresIn=args.expires)}), flush=True)
        for _ in range(200):
            presign('get_object', Params=params, ExpiresIn=args.expires)
        for r in range(args.rounds):
            urls = 0
            url_bytes = 0  # every URL is used, as the C++ side uses its own
            start = time.perf_counter()
            deadline = start + args.seconds
            while True:
                for _ in range(100):
                    url_bytes += len(presign('get_object', Params=params, ExpiresIn=args.expires))
                urls += 100
                now = time.perf_counter()
                if now >= deadline:
                    break
            seconds = now - start
            print(json.dumps({'style': style, 'round': r + 1, 'urls': urls, 'seconds': seconds,
                              'per_second': urls / seconds, 'url_bytes': url_bytes}), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
