"""A real Canopy server (`canopy serve` in a child process, tests/live.py) on a free loopback port, seeded through
the public GraphQL API, for the browser tests and the screenshot script."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.live import _free_port, start_server, stop_server

PASSWORD = "Canopy-console-e2e-7391!"
ADMIN = "admin@acme.example"
MANAGER = "manager.eu@acme.example"
SALES = "sales.berlin@acme.example"


@dataclass
class LiveServer:
    db_path: Path
    port: int = field(default_factory=_free_port)
    proc: subprocess.Popen[bytes] | None = None
    ids: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "CANOPY_DATABASE_URL": f"sqlite+aiosqlite:///{self.db_path}", **self.settings}

    @property
    def settings(self) -> dict[str, str]:
        return {"CANOPY_WEBHOOK_WORKER": "0", "CANOPY_RATE_LIMIT_PER_MINUTE": "100000",
                "CANOPY_RATE_LIMIT_BURST": "10000"}

    def start(self) -> None:
        self.proc = start_server(self.db_path, self.port, self.settings)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            stop_server(self.proc)
        self.proc = None

    def gql(self, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> dict[str, Any]:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        body = httpx.post(f"{self.url}/graphql", json={"query": query, "variables": variables or {}},
                          headers=headers, timeout=30).json()
        assert not body.get("errors"), body
        return body["data"]

    def mutate(self, name: str, input: dict[str, Any], select: str, token: str) -> dict[str, Any]:
        data = self.gql(f"mutation($i: {name[0].upper()}{name[1:]}Input!) {{ {name}(input: $i) {{ {select} errors {{ field message }} }} }}",
                        {"i": input}, token)[name]
        assert not data["errors"], (name, data["errors"])
        return data

    def login(self, email: str) -> str:
        return self.mutate("login", {"email": email, "password": PASSWORD}, "token", token="")["token"]


def seed(server: LiveServer) -> None:
    """HQ > Europe > Germany > Berlin, Europe > France > Paris, HQ > Asia > Japan > Tokyo;
    a manager of Europe, a SALES member of Berlin, customers in each store."""
    for command in (["migrate"], ["admin", "create", "--tenant", "acme", "--email", ADMIN, "--password", PASSWORD]):
        subprocess.run([sys.executable, "-m", "cli.main", *command], env=server.env, check=True,
                       cwd=Path(__file__).resolve().parents[2], capture_output=True)
    server.start()
    admin = server.login(ADMIN)
    root = server.gql("{ tierTree { id } }", token=admin)["tierTree"]["id"]
    program = server.mutate("createMembershipProgram", {
        "name": "Acme Rewards", "currency": "EUR", "pointsPerUnit": "1",
        "tiers": [{"name": "Member", "rank": 0, "threshold": 0}, {"name": "Gold", "rank": 1, "threshold": 500}],
    }, "membershipProgram { id }", admin)["membershipProgram"]["id"]
    server.mutate("updateTierNode", {"id": root, "settings": {"membershipProgramId": program, "currency": "EUR",
                                                                "timezone": "Europe/Berlin", "locale": "en-GB"}},
                  "tierNode { id }", admin)

    def node(parent: str, code: str, name: str, kind: str, **settings: str) -> str:
        return server.mutate("createTierNode", {"parentId": parent, "code": code, "name": name, "kind": kind,
                                                "settings": settings or None}, "tierNode { id }", admin)["tierNode"]["id"]

    eu = node(root, "EU", "Europe", "region")
    de = node(eu, "EU-DE", "Germany", "country")
    berlin = node(de, "EU-DE-01", "Berlin Mitte", "store")
    fr = node(eu, "EU-FR", "France", "country", locale="fr-FR", timezone="Europe/Paris")
    paris = node(fr, "EU-FR-01", "Paris Opéra", "store")
    asia = node(root, "AS", "Asia", "region", timezone="Asia/Tokyo")
    jp = node(asia, "AS-JP", "Japan", "country")
    tokyo = node(jp, "AS-JP-01", "Tokyo Ginza", "store")
    server.mutate("createStaff", {"name": "Erika Manager", "email": MANAGER, "password": PASSWORD,
                                  "role": "MANAGER", "scopeNodeId": eu}, "staff { id }", admin)
    server.mutate("createStaff", {"name": "Sami Sales", "email": SALES, "password": PASSWORD,
                                  "role": "SALES", "scopeNodeId": berlin, "locale": "zh-CN"}, "staff { id }", admin)

    def customer(store: str, name: str, email: str, tags: list[str], price: str = "39.90") -> str:
        cid = server.mutate("createCustomer", {"nodeId": store, "name": name, "email": email, "tags": tags},
                            "customer { id }", admin)["customer"]["id"]
        server.mutate("enrollMember", {"customerId": cid}, "membership { id }", admin)
        order = server.mutate("createOrder", {"customerId": cid, "storeId": store, "lines": [
            {"sku": "TEE-01", "name": "Linen tee", "quantity": 2, "unitPrice": price}]},
            "order { id }", admin)["order"]["id"]
        server.mutate("payOrder", {"id": order}, "order { id }", admin)
        return cid

    server.ids.update(
        root=root, eu=eu, berlin=berlin, paris=paris, tokyo=tokyo,
        anna=customer(berlin, "Anna Schmidt", "anna@example.de", ["vip"]),
        jonas=customer(berlin, "Jonas Weber", "jonas@example.de", []),
        claire=customer(paris, "Claire Martin", "claire@example.fr", ["vip"]),
        yuki=customer(tokyo, "Yuki Tanaka", "yuki@example.jp", []),
        admin_token=admin,
    )
    server.mutate("openTicket", {"customerId": server.ids["jonas"], "subject": "Zip broke", "description": "After a week",
                                 "priority": "HIGH"}, "ticket { id }", admin)
    for i in range(30):  # enough history for the timeline to page
        server.mutate("logInteraction", {"customerId": server.ids["anna"], "kind": "NOTE",
                                         "summary": f"Earlier note {i + 1}", "channel": "web",
                                         "occurredAt": f"2026-01-{i % 28 + 1:02d}T10:00:00+00:00"},
                      "interaction { id }", admin)
