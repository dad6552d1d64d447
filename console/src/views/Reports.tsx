// Reports as charts (Chart.js, only the parts used are registered): sales by node over
// time, tier distribution, RFM segments, ticket SLA. Each chart has a fixed-height box.
import {
  BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip, type ChartConfiguration,
} from "chart.js";
import { useEffect, useRef, useState } from "preact/hooks";
import { request } from "../api";
import { Reports as ReportsQuery } from "../operations";
import type { ReportsQuery as Data } from "../gql/graphql";
import { fmtDate, fmtMoney, fmtNumber, label, lang, t } from "../i18n";
import { Failure } from "./common";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);
Chart.defaults.animation = false; // a report is read, not watched

const COLORS = ["#2f6f4f", "#c2703d", "#3d6fc2", "#9b3dc2", "#c23d5a", "#6f8f2f", "#3dafc2", "#8a6d3b"];

function ChartBox({ title, config, empty }: { title: string; config: ChartConfiguration | null; empty: boolean }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current || !config) return;
    const chart = new Chart(canvas.current, config);
    canvas.current.dataset.chart = "ready";
    return () => chart.destroy();
  }, [config]);
  return (
    <figure class="card chart">
      <figcaption>{title}</figcaption>
      <div class="chart-box" aria-busy={!config}>
        {empty ? <p class="muted">{t("rep.empty")}</p> : <canvas ref={canvas} role="img" aria-label={title} />}
      </div>
    </figure>
  );
}

const base = (stacked = false) => ({
  responsive: true, maintainAspectRatio: false,
  scales: { x: { stacked }, y: { stacked, beginAtZero: true, ticks: { precision: 0 } } },
  plugins: { legend: { position: "bottom" as const } },
});

function charts(d: Data["reports"]) {
  const sales = d.salesByNode?.rows ?? [];
  const periods = [...new Set(sales.map((r) => r.period))].sort();
  const salesNodes = [...new Map(sales.map((r) => [r.node.id, r.node.name])).entries()];
  const currency = sales[0]?.revenue.currency ?? "EUR";
  // Bars per period: readable with one month of data as with twelve.
  const salesCfg: ChartConfiguration = {
    type: "bar",
    data: {
      labels: periods.map(fmtDate),
      datasets: salesNodes.map(([id, name], i) => ({
        label: name, backgroundColor: COLORS[i % COLORS.length],
        data: periods.map((p) => Number(sales.find((r) => r.node.id === id && r.period === p)?.revenue.amount ?? 0)),
      })),
    },
    options: { ...base(), plugins: { ...base().plugins, tooltip: { callbacks: {
      label: (c) => `${c.dataset.label}: ${fmtMoney({ amount: String(c.parsed.y), currency })}`,
    } } } },
  };

  const counts = d.tierDistribution?.counts ?? [];
  const tierNodes = [...new Map(counts.map((c) => [c.node.id, c.node.name])).entries()];
  const tiers = [...new Map(counts.map((c) => [c.tier.name, c.tier.rank])).entries()].sort((a, b) => a[1] - b[1]);
  const tierCfg: ChartConfiguration = {
    type: "bar",
    data: {
      labels: tierNodes.map(([, n]) => n),
      datasets: tiers.map(([tier], i) => ({
        label: tier, backgroundColor: COLORS[i % COLORS.length],
        data: tierNodes.map(([id]) => counts.filter((c) => c.node.id === id && c.tier.name === tier).reduce((s, c) => s + c.members, 0)),
      })),
    },
    options: base(true),
  };

  const segments = d.rfm?.segments ?? [];
  const rfmCfg: ChartConfiguration = {
    type: "bar",
    data: {
      labels: segments.map((s) => label(`RFM_${s.segment}`)),
      datasets: [{ label: t("rep.customers"), backgroundColor: COLORS[0], data: segments.map((s) => s.customers) }],
    },
    options: { ...base(), indexAxis: "y", plugins: { legend: { display: false } } },
  };

  const sla = d.ticketSla?.rows ?? [];
  const slaCfg: ChartConfiguration = {
    type: "bar",
    data: {
      labels: sla.map((r) => r.node.name),
      datasets: [
        { label: t("rep.opened"), backgroundColor: COLORS[2], data: sla.map((r) => r.opened) },
        { label: t("rep.resolved"), backgroundColor: COLORS[0], data: sla.map((r) => r.resolved) },
        { label: t("rep.breached"), backgroundColor: COLORS[4], data: sla.map((r) => r.breached) },
      ],
    },
    options: base(),
  };
  return { salesCfg, tierCfg, rfmCfg, slaCfg, empty: {
    sales: !sales.length, tiers: !counts.length, rfm: !segments.some((s) => s.customers), sla: !sla.length,
  } };
}

export function Reports() {
  const [data, setData] = useState<Data["reports"] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const from = new Date();
    from.setUTCFullYear(from.getUTCFullYear() - 1);
    request(ReportsQuery, { from: from.toISOString() }).then((d) => setData(d.reports)).catch((e) => setError((e as Error).message));
  }, []);
  // Rebuilt on a language switch: labels and number formats follow it.
  const c = data ? charts(data) : null;
  void lang.value;
  return (
    <div>
      <h1>{t("rep.title")}</h1>
      {error && <Failure message={error} />}
      <div class="charts">
        <ChartBox title={t("rep.sales")} config={c?.salesCfg ?? null} empty={Boolean(c?.empty.sales)} />
        <ChartBox title={t("rep.tiers")} config={c?.tierCfg ?? null} empty={Boolean(c?.empty.tiers)} />
        <ChartBox title={t("rep.rfm")} config={c?.rfmCfg ?? null} empty={Boolean(c?.empty.rfm)} />
        <ChartBox title={t("rep.sla")} config={c?.slaCfg ?? null} empty={Boolean(c?.empty.sla)} />
      </div>
      {data?.ticketSla && (
        <table class="sla">
          <caption>{t("rep.sla")}</caption>
          <thead><tr><th scope="col">{t("rep.node")}</th><th scope="col" class="num">{t("rep.opened")}</th><th scope="col" class="num">{t("rep.resolved")}</th><th scope="col" class="num">{t("rep.breached")}</th><th scope="col" class="num">{t("rep.median")}</th></tr></thead>
          <tbody>{data.ticketSla.rows.map((r) => (
            <tr key={r.node.id}><td>{r.node.name}</td><td class="num">{fmtNumber(r.opened)}</td><td class="num">{fmtNumber(r.resolved)}</td><td class="num">{fmtNumber(r.breached)}</td>
              <td class="num">{r.medianResolutionSeconds ? fmtNumber((Number(r.medianResolutionSeconds) / 3600).toFixed(1)) : "—"}</td></tr>
          ))}</tbody>
        </table>
      )}
    </div>
  );
}
