"""/campaigns: the running campaigns the staff member can see, each with its conversion and uplift."""

from __future__ import annotations

from bots.replies import Reply
from bots.turn import Command, Turn

SHOWN = 10


def _percent(turn: Turn, value: float | None) -> str:
    return "-" if value is None else f"{turn.t.number(round(value * 100, 1))} %"


async def campaigns_command(turn: Turn, args: str) -> list[Reply]:
    t = turn.t
    conn = (await turn.api.run("MyCampaigns", first=SHOWN))["campaigns"]
    campaigns = [e["node"] for e in conn["edges"]]
    if not campaigns:
        return turn.say("campaigns.none")
    lines = [t("campaigns.title", count=t.number(conn["totalCount"]))]
    for c in campaigns:
        r = c["results"] or {}
        lines.append(f"📣 {c['name']} · {t('campaigns.until', when=t.when(c['endsAt']))}")
        if r:
            up = r.get("conversionUplift")
            lines.append("  " + t(
                "campaigns.results", audience=t.number(r["audience"]),
                treatment=_percent(turn, r["treatment"]["conversion"]), holdout=_percent(turn, r["holdout"]["conversion"]),
                redeemed=t.number(r["couponsRedeemed"]), issued=t.number(r["couponsIssued"])))
            if up:
                lines.append("  " + t("campaigns.uplift", difference=_percent(turn, up["difference"]),
                                      low=_percent(turn, up["differenceLow"]), high=_percent(turn, up["differenceHigh"])))
    if conn["totalCount"] > len(campaigns):
        lines.append(t("list.more", count=t.number(conn["totalCount"] - len(campaigns))))
    return [Reply("\n".join(lines))]


COMMANDS: dict[str, Command] = {"campaigns": campaigns_command}
