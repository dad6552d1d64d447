"""Production mode: no validation or coercion error suggests a name that exists."""

from __future__ import annotations

import pytest

from tests.conftest import Api, Tenant
from tests.security.conftest import ApiFactory

PROBES = {
    "field": ("{ me { emial } }", {}),
    "argument": ("{ auditLog(frist: 1) { edges { cursor } } }", {}),
    "type": ("query($n: Strng) { me { email } }", {}),
    "enum literal": ('mutation { createStaff(input: {name: "x", email: "x@x.example", role: ADMN, '
                     'scopeNodeId: "x"}) { errors { code } } }', {}),
    "enum variable": ("mutation($r: Role!) { createStaff(input: {name: \"x\", email: \"x@x.example\", "
                      "role: $r, scopeNodeId: \"x\"}) { errors { code } } }", {"r": "ADMN"}),
    "input field": ("mutation { createApiToken(input: {nam: \"x\"}) { token } }", {}),
}


@pytest.mark.parametrize("probe", list(PROBES))
async def test_no_suggestion_in_production(api: Api, tenant: Tenant, api_with: ApiFactory, probe: str) -> None:
    query, variables = PROBES[probe]
    # given: development suggests a name for this mistake
    dev = await api.post(query, variables)
    assert "Did you mean" in " ".join(e["message"] for e in dev["errors"]), dev
    async with api_with(env="production") as prod:
        # when
        body = await prod.post(query, variables)
    # then: the same error, without the suggestion, still with its request id
    messages = [e["message"] for e in body["errors"]]
    assert body["errors"] and all("Did you mean" not in m for m in messages), messages
    assert all(e["extensions"]["requestId"] for e in body["errors"])
