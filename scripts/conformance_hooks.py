"""Schemathesis hooks for scripts/conformance.

An `Idempotency-Key` is stateful by design (IETF draft-ietf-httpapi-idempotency-key-header): the
same key sent again with another body is answered 422, as the draft says. A generator that
draws the same few keys for thousands of different bodies would be a client misusing the
header, so each generated request gets a key of its own, as real clients make them.
"""
import itertools

import schemathesis

_keys = itertools.count(1)


@schemathesis.hook
def map_headers(ctx, headers):
    if headers and "Idempotency-Key" in headers:
        headers["Idempotency-Key"] = f"conformance-{next(_keys)}"
    return headers
