// One customer: profile, membership, orders, tickets, interactions, the timeline, actions.
import { useEffect, useRef, useState } from "preact/hooks";
import { request } from "../api";
import { CustomerPage as CustomerQuery, Timeline as TimelineQuery } from "../operations";
import type { CustomerPageQuery, TimelineQuery as TimelineData } from "../gql/graphql";
import { fmtMoney, fmtNumber, fmtTime, label, t } from "../i18n";
import { may, viewer } from "../state";
import { Failure, Skeleton } from "./common";
import { AdjustPointsForm, LogInteractionForm, OpenTicketForm } from "./Actions";

type Customer = NonNullable<CustomerPageQuery["customer"]>;
type Entry = NonNullable<TimelineData["customer"]>["timeline"]["edges"][number];

function Timeline({ id, tz, version }: { id: string; tz: string | null | undefined; version: number }) {
  const [entries, setEntries] = useState<Entry[]>([]);
  const [next, setNext] = useState<string | null | undefined>(undefined); // undefined: first page pending
  const [busy, setBusy] = useState(false);
  const sentinel = useRef<HTMLDivElement>(null);

  async function load(after: string | null) {
    setBusy(true);
    try {
      const d = await request(TimelineQuery, { id, after });
      const conn = d.customer?.timeline;
      if (!conn) return;
      setEntries((prev) => [...(after ? prev : []), ...conn.edges]);
      setNext(conn.pageInfo.hasNextPage ? conn.pageInfo.endCursor ?? null : null);
    } finally {
      setBusy(false);
    }
  }
  useEffect(() => { void load(null); }, [id, version]);
  useEffect(() => {
    // Infinite scroll; the button below does the same for keyboards and old browsers.
    const el = sentinel.current;
    if (!el || !next) return;
    const io = new IntersectionObserver((items) => { if (items[0].isIntersecting && !busy) void load(next); });
    io.observe(el);
    return () => io.disconnect();
  }, [next, busy]);

  return (
    <section class="card timeline" aria-labelledby="tl-title">
      <h2 id="tl-title">{t("cust.timeline")}</h2>
      <ol data-testid="timeline">
        {entries.map(({ cursor, node: e }) => {
          let when = "", text = "";
          switch (e.__typename) {
            case "Order": when = e.placedAt; text = `${label("Order")} ${e.number} · ${label(e.orderStatus)} · ${fmtMoney(e.total)}`; break;
            case "Ticket": when = e.createdAt; text = `${label("Ticket")} ${e.number} · ${e.subject} · ${label(e.ticketStatus)}`; break;
            case "Interaction": when = e.occurredAt; text = `${label(e.kind)} · ${e.summary} · ${e.staff.name}`; break;
            case "PointsEntry": when = e.createdAt; text = `${label("PointsEntry")} ${e.delta > 0 ? "+" : ""}${fmtNumber(e.delta)} · ${label(e.reason)}${e.note ? ` · ${e.note}` : ""}`; break;
            case "TierChange": when = e.at; text = `${label("TierChange")} ${e.from?.name ?? "—"} → ${e.to.name}`; break;
            case "Opportunity": when = e.createdAt; text = `${label("Opportunity")} ${e.title} · ${label(e.opportunityStatus)} · ${fmtMoney(e.amount)}`; break;
          }
          return (
            <li key={cursor} class={`tl-${e.__typename}`}>
              <time dateTime={when}>{fmtTime(when, tz)}</time>
              <span>{text}</span>
            </li>
          );
        })}
      </ol>
      {next === undefined && <Skeleton rows={5} />}
      <div ref={sentinel} />
      {next ? <button type="button" disabled={busy} onClick={() => void load(next)}>{t("cust.timelineMore")}</button>
        : next === null && <p class="muted">{t("cust.end")}</p>}
    </section>
  );
}

/** A fixed-height card (it scrolls inside), so its data arriving moves nothing around it. */
function List<T>({ title, total, items, render }: { title: string; total?: number; items?: T[]; render: (x: T) => preact.ComponentChildren }) {
  return (
    <section class="card box" aria-busy={!items}>
      <h2>{title} <small>{total === undefined ? "" : `(${fmtNumber(total)})`}</small></h2>
      {!items ? <Skeleton rows={4} height="1.6rem" />
        : items.length ? <ul class="plain">{items.map((x) => <li>{render(x)}</li>)}</ul> : <p class="muted">{t("none")}</p>}
    </section>
  );
}

export function CustomerPage({ id }: { id: string }) {
  const [c, setC] = useState<Customer | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const me = viewer.value!;
  useEffect(() => {
    request(CustomerQuery, { id }).then((d) => setC(d.customer)).catch((e) => setError((e as Error).message));
  }, [id, version]);
  const changed = () => setVersion((v) => v + 1);

  if (error) return <Failure message={error} />;
  if (c === null) return <section class="card"><p>{t("cust.notFound")}</p><a href="#/customers">{t("cust.back")}</a></section>;
  const tz = c?.node.settings.timezone;

  return (
    <div class="customer">
      <a href="#/customers" class="back">← {t("cust.back")}</a>
      <section class="card profile" aria-labelledby="cust-name" aria-busy={!c}>
        <h1 id="cust-name">{c?.name ?? "\u00a0"}</h1>
        <dl class="facts">
          <div><dt>{t("cust.email")}</dt><dd>{c?.email ?? "—"}</dd></div>
          <div><dt>{t("cust.phone")}</dt><dd>{c?.phone ?? "—"}</dd></div>
          <div><dt>{t("cust.ref")}</dt><dd>{c?.externalRef ?? "—"}</dd></div>
          <div><dt>{t("cust.store")}</dt><dd>{c?.node.name ?? "…"}</dd></div>
          <div><dt>{t("cust.since")}</dt><dd>{c ? fmtTime(c.createdAt, tz) : "…"}</dd></div>
          <div><dt>{t("cust.ltv")}</dt><dd>{c ? fmtMoney(c.lifetimeValue) : "…"}</dd></div>
          <div><dt>{t("cust.tags")}</dt><dd>{c?.tags.join(", ") || "—"}</dd></div>
        </dl>
      </section>
      <section class="card box membership" aria-labelledby="mem-title" aria-busy={!c}>
        <h2 id="mem-title">{t("cust.membership")}</h2>
        {!c ? <Skeleton rows={3} /> : !c.membership ? <p class="muted">{t("cust.notMember")}</p> : (
          <>
            <dl class="facts">
              <div><dt>{t("cust.tier")}</dt><dd>{c.membership.program.name} · {c.membership.tier.name}</dd></div>
              <div><dt>{t("cust.points")}</dt><dd data-testid="points">{fmtNumber(c.membership.pointsBalance)}</dd></div>
              <div><dt>{t("cust.qualifying")}</dt><dd>{fmtNumber(c.membership.qualifyingPoints)}</dd></div>
            </dl>
            <h3>{t("cust.coupons")}</h3>
            {c.membership.coupons.length ? (
              <ul class="plain">{c.membership.coupons.map((x) => (
                <li key={x.id}>{x.code} · {label(x.status)} · {x.amountOff ? fmtMoney(x.amountOff) : `${x.percentOff}%`}{x.expiresAt ? ` · ${fmtTime(x.expiresAt, tz)}` : ""}</li>
              ))}</ul>
            ) : <p class="muted">{t("none")}</p>}
            <h3>{t("cust.ledger")}</h3>
            <ul class="plain">{c.membership.pointsLedger.edges.map(({ node: p }) => (
              <li key={p.id}>{fmtTime(p.createdAt, tz)} · {p.delta > 0 ? "+" : ""}{fmtNumber(p.delta)} → {fmtNumber(p.balanceAfter)} · {label(p.reason)}{p.note ? ` · ${p.note}` : ""}</li>
            ))}</ul>
          </>
        )}
      </section>
      <List title={t("cust.orders")} total={c?.orders.totalCount} items={c?.orders.edges}
        render={({ node: o }) => <>{o.number} · {fmtTime(o.placedAt, tz)} · {label(o.status)} · {fmtMoney(o.total)}</>} />
      <List title={t("cust.tickets")} total={c?.tickets.totalCount} items={c?.tickets.edges}
        render={({ node: x }) => <>{x.number} · {x.subject} · {label(x.status)} · {label(x.priority)}{x.slaBreached ? ` · ${t("cust.breached")}` : ""}</>} />
      <List title={t("cust.interactions")} total={c?.interactions.totalCount} items={c?.interactions.edges}
        render={({ node: x }) => <>{fmtTime(x.occurredAt, tz)} · {label(x.kind)} · {x.summary} · {x.staff.name}</>} />
      {/* Rendered before the customer arrives (they need only ids), so nothing below moves. */}
      <section class="card actions" aria-label={t("act.title")}>
        {may.logInteraction(me) && <LogInteractionForm customerId={id} onDone={changed} />}
        {may.openTicket(me) && <OpenTicketForm customerId={id} onDone={changed} />}
        {may.adjustPoints(me) && <AdjustPointsForm membershipId={c?.membership?.id ?? null} onDone={changed} />}
      </section>
      <Timeline id={id} tz={tz} version={version} />
    </div>
  );
}
