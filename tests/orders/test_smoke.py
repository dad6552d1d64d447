from tests.conftest import Api
from tests.orders.conftest import Chain

CREATE = """mutation($input: CreateOrderInput!) { createOrder(input: $input) {
  order { id number status currency subtotal { amount currency } total { amount } totalReporting { amount currency }
          lines { sku quantity unitPrice { amount } total { amount } } customer { name } store { code } }
  errors { field code message } } }"""


async def test_smoke(api: Api, chain: Chain) -> None:
    data = await api.ok(CREATE, {"input": {"customerId": chain.customer("yuki"), "storeId": chain.node("JP-1"),
        "lines": [{"sku": "A", "name": "Tea", "quantity": 3, "unitPrice": "1200"}]}})
    print(data)
    oid = data["createOrder"]["order"]["id"]
    data = await api.ok("mutation($id: ID!) { payOrder(input: {id: $id}) { order { status paidAt pointsEarned } errors { code message } } }", {"id": oid})
    print(data)
    data = await api.ok("{ orders { totalCount edges { cursor node { number status } } } }")
    print(data)
    data = await api.ok("mutation($c: ID!) { openTicket(input: {customerId: $c, subject: \"s\", description: \"d\", priority: URGENT}) { ticket { id number slaDueAt slaBreached status } errors { code message } } }", {"c": chain.customer("yuki")})
    print(data)
    data = await api.ok("mutation($c: ID!) { logInteraction(input: {customerId: $c, kind: CALL, summary: \"hi\"}) { interaction { id channel staff { name } } errors { code message } } }", {"c": chain.customer("yuki")})
    print(data)
    data = await api.ok("query($c: ID!) { node(id: $c) { ... on Customer { lifetimeValue { amount currency } orders { totalCount edges { node { number } } } tickets { totalCount } interactions { totalCount } timeline(first: 2) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { __typename ... on Order { number } ... on Ticket { number } ... on Interaction { summary } } } } } } }", {"c": chain.customer("yuki")})
    print(data)
    assert False
