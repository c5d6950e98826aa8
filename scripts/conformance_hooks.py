"""Schemathesis hooks for scripts/conformance.

An `Idempotency-Key` is stateful by design (IETF draft-ietf-httpapi-idempotency-key-header): the
same key sent again with another body is answered 422, as the draft says. A generator that
draws the same few keys for thousands of different bodies would be a client misusing the
header, so each request meant to be accepted gets a key of its own, as real clients make them.
A request meant to be refused keeps what was generated: whatever makes it wrong must reach the
server as it is (and an edit would make schemathesis judge it afresh, as if it were valid).
"""
import itertools
import re

import schemathesis

# crates/crm-guest/src/views/rules.rs, IDEMPOTENCY_KEY.
_VALID_KEY = re.compile(r'^(?:[!-~]|[!#-~][ -~]{0,253}[!-~]|"[ -~]{0,253}[!#-~]|"[ -~]{1,253}")$')
_keys = itertools.count(1)


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    headers = case.headers
    if not headers or (case.meta is not None and not case.meta.generation.mode.is_positive):
        return
    for name in list(headers):
        if name.lower() == "idempotency-key":
            value = headers[name]
            if isinstance(value, str) and _VALID_KEY.fullmatch(value):
                headers[name] = f"conformance-{next(_keys)}"
