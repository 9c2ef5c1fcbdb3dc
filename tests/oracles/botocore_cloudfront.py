#!/usr/bin/env python3
"""CloudFront oracle: signs URLs with botocore's CloudFrontSigner, for cloudfront_signer_test.cc.

The first argument is a PEM RSA private key file; the key pair id is the second. Reads JSON
lines on stdin, one URL each:

  {"url": "https://d111111abcdef8.cloudfront.net/audio/x.wav", "expires": 1767290400,
   "ip": "203.0.113.0/24"}        ("ip" optional: with it, a custom policy with IpAddress)

and writes one JSON line per URL, in order: {"url": "<signed URL>", "policy": "<policy JSON>"},
or {"error": "..."}. RSA (PKCS#1 v1.5 over SHA-1, as CloudFront requires) comes from
python3-cryptography. The expiry is given to botocore as a naive UTC datetime, which it reads
as UTC. The network is switched off first. Exits 3 if botocore or cryptography is missing.
"""

import datetime
import json
import socket
import sys


def _no_network(*args, **kwargs):
    raise RuntimeError('botocore_cloudfront.py must not touch the network')


socket.socket.connect = _no_network
socket.create_connection = _no_network
socket.getaddrinfo = _no_network

try:
    import botocore
    from botocore.signers import CloudFrontSigner
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding
except ImportError as e:
    sys.stderr.write(f'botocore_cloudfront.py: {e}; install python3-botocore and '
                     'python3-cryptography\n')
    sys.exit(3)


def main():
    key_file, key_pair_id = sys.argv[1], sys.argv[2]
    with open(key_file, 'rb') as f:
        private_key = serialization.load_pem_private_key(f.read(), password=None)

    def rsa_signer(message):
        return private_key.sign(message, padding.PKCS1v15(), hashes.SHA1())

    signer = CloudFrontSigner(key_pair_id, rsa_signer)
    sys.stderr.write(f'botocore_cloudfront.py: botocore {botocore.__version__}, '
                     f'Python {sys.version.split()[0]}\n')
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            case = json.loads(line)
            expires = datetime.datetime.utcfromtimestamp(case['expires'])
            if case.get('ip'):
                policy = signer.build_policy(case['url'], expires, ip_address=case['ip'])
                url = signer.generate_presigned_url(case['url'], policy=policy)
            else:
                policy = signer.build_policy(case['url'], expires)
                url = signer.generate_presigned_url(case['url'], date_less_than=expires)
            out = {'url': url, 'policy': policy}
        except Exception as e:  # reported per case, so one bad case names itself
            out = {'error': f'{type(e).__name__}: {e}'}
        sys.stdout.write(json.dumps(out) + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
