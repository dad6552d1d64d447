// Customer search: words, tags, tier and subtree filters, a sort order, cursor paging.
import { signal } from "@preact/signals";
import { useEffect, useState } from "preact/hooks";
import { request } from "../api";
import { SearchCustomers, SearchOptions } from "../operations";
import type { CustomerOrderField, SearchCustomersQuery, SearchOptionsQuery, SortDirection } from "../gql/graphql";
import { fmtNumber, fmtTime, t, type Key } from "../i18n";
import { Failure, Skeleton } from "./common";

type Row = SearchCustomersQuery["customers"]["edges"][number]["node"];
type Filters = { search: string; tags: string; tierId: string; nodeId: string; sort: string };
const PAGE = 20;
const SORTS: Record<string, [CustomerOrderField, SortDirection]> = {
  CREATED_AT_DESC: ["CREATED_AT", "DESC"], CREATED_AT_ASC: ["CREATED_AT", "ASC"],
  NAME_ASC: ["NAME", "ASC"], NAME_DESC: ["NAME", "DESC"], UPDATED_AT_DESC: ["UPDATED_AT", "DESC"],
};

// Kept across pages: back from a customer finds the same search.
const filters = signal<Filters>({ search: "", tags: "", tierId: "", nodeId: "", sort: "CREATED_AT_DESC" });
const results = signal<{ rows: Row[]; total: number; next: string | null } | null>(null);
let options: SearchOptionsQuery | null = null;

async function run(f: Filters, after: string | null): Promise<void> {
  const tags = f.tags.split(",").map((s) => s.trim()).filter(Boolean);
  const [field, direction] = SORTS[f.sort];
  const { customers } = await request(SearchCustomers, {
    first: PAGE, after,
    filter: {
      search: f.search.trim() || null, tags: tags.length ? tags : null,
      tierIds: f.tierId ? [f.tierId] : null, nodeId: f.nodeId || null,
    },
    orderBy: { field, direction },
  });
  const rows = customers.edges.map((e) => e.node);
  results.value = {
    rows: after ? [...(results.value?.rows ?? []), ...rows] : rows,
    total: customers.totalCount,
    next: customers.pageInfo.hasNextPage ? customers.pageInfo.endCursor ?? null : null,
  };
}

export function Customers() {
  const [opts, setOpts] = useState<SearchOptionsQuery | null>(options);
  const [draft, setDraft] = useState<Filters>(filters.value);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const guard = async (f: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try { await f(); } catch (e) { setError((e as Error).message); } finally { setBusy(false); }
  };
  useEffect(() => {
    if (!options) request(SearchOptions).then((o) => { options = o; setOpts(o); }).catch(() => {});
    if (!results.value) void guard(() => run(filters.value, null));
  }, []);

  const set = (k: keyof Filters) => (e: Event) => setDraft({ ...draft, [k]: (e.target as HTMLInputElement).value });
  const submit = (e: Event) => {
    e.preventDefault();
    filters.value = draft;
    void guard(() => run(draft, null));
  };
  const res = results.value;
  const tiers = opts?.membershipPrograms.flatMap((p) => p.tiers.map((tier) => ({ ...tier, program: p.name }))) ?? [];
  const nodes = opts ? [{ id: opts.tierTree.id, name: opts.tierTree.name, depth: 0 }, ...opts.tierTree.descendants.edges.map((e) => e.node)] : [];

  return (
    <section class="card" aria-labelledby="search-title">
      <h1 id="search-title">{t("search.title")}</h1>
      <form class="filters" onSubmit={submit} role="search">
        <label>{t("search.query")}<input name="search" type="search" value={draft.search} onInput={set("search")} /></label>
        <label>{t("search.tags")}<input name="tags" value={draft.tags} onInput={set("tags")} /></label>
        <label>{t("search.tier")}
          <select name="tier" value={draft.tierId} onChange={set("tierId")}>
            <option value="">{t("search.any")}</option>
            {tiers.map((x) => <option key={x.id} value={x.id}>{x.program} · {x.name}</option>)}
          </select>
        </label>
        <label>{t("search.node")}
          <select name="node" value={draft.nodeId} onChange={set("nodeId")}>
            <option value="">{t("search.any")}</option>
            {nodes.map((n) => <option key={n.id} value={n.id}>{"\u00a0\u00a0".repeat(n.depth)}{n.name}</option>)}
          </select>
        </label>
        <label>{t("search.sort")}
          <select name="sort" value={draft.sort} onChange={set("sort")}>
            {Object.keys(SORTS).map((s) => <option key={s} value={s}>{t(`sort.${s}` as Key)}</option>)}
          </select>
        </label>
        <button type="submit" disabled={busy}>{t("search.submit")}</button>
      </form>
      {error && <Failure message={error} />}
      <p class="count" aria-live="polite">{res ? t("search.results", { count: fmtNumber(res.total) }) : "\u00a0"}</p>
      <div class="table-wrap">
        <table class="results">
          <thead>
            <tr>
              <th scope="col">{t("col.name")}</th><th scope="col">{t("col.email")}</th>
              <th scope="col">{t("col.store")}</th><th scope="col">{t("col.tier")}</th>
              <th scope="col" class="num">{t("col.points")}</th><th scope="col">{t("col.created")}</th>
            </tr>
          </thead>
          <tbody>
            {res?.rows.map((c) => (
              <tr key={c.id}>
                <td><a href={`#/customer/${encodeURIComponent(c.id)}`}>{c.name}</a>
                  {c.tags.length > 0 && <div class="tags">{c.tags.map((x) => <span class="tag">{x}</span>)}</div>}</td>
                <td>{c.email ?? ""}</td>
                <td>{c.node.name}</td>
                <td>{c.membership?.tier.name ?? "—"}</td>
                <td class="num">{c.membership ? fmtNumber(c.membership.pointsBalance) : "—"}</td>
                <td>{fmtTime(c.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {!res && <Skeleton rows={8} />}
      </div>
      {res?.next && (
        <button type="button" disabled={busy} onClick={() => void guard(() => run(filters.value, res.next))}>{t("more")}</button>
      )}
    </section>
  );
}
