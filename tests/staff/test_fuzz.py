"""Property-based: whatever strings reach the staff inputs, no 5xx and no INTERNAL (SQLite and PostgreSQL)."""

from __future__ import annotations

from hypothesis import given

from tests.conftest import Api, Tenant
from tests.security.test_fuzz import FUZZ, _no_fault, cursors, ids, strings

UPDATE = """mutation($id: ID!, $name: String, $locale: String, $tz: String, $node: ID) {
  updateStaff(input: {id: $id, name: $name, locale: $locale, timeZone: $tz, scopeNodeId: $node}) {
    errors { code field } } }"""
LIST = """query($s: String, $node: ID, $after: String) {
  staff(filter: {search: $s, nodeId: $node}, after: $after) { totalCount edges { node { apiTokens { totalCount } } } } }"""
CHANGE = """mutation($c: String!, $n: String!) {
  changeMyPassword(input: {currentPassword: $c, newPassword: $n}) { errors { code } } }"""


@FUZZ
@given(name=strings, locale=strings, tz=strings, node=ids, staff=ids)
async def test_update_staff_never_faults(
    api: Api, tenant: Tenant, name: str, locale: str, tz: str, node: str, staff: str,
) -> None:
    me = (await api.ok("{ me { id } }"))["me"]["id"]
    for target in (me, staff):  # the admin themselves (every check runs) and any id at all
        await _no_fault(api, UPDATE, {"id": target, "name": name, "locale": locale, "tz": tz, "node": node})


@FUZZ
@given(search=strings, node=ids, after=cursors)
async def test_staff_list_never_faults(api: Api, tenant: Tenant, search: str, node: str, after: str) -> None:
    await _no_fault(api, LIST, {"s": search, "node": node, "after": after})


@FUZZ
@given(current=strings, new=strings)
async def test_change_my_password_never_faults(api: Api, tenant: Tenant, current: str, new: str) -> None:
    await _no_fault(api, CHANGE, {"c": current, "n": new})
