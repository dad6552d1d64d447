// The tier tree: each node with its subtree rollup; children load when a node is expanded.
import { useEffect, useState } from "preact/hooks";
import { request } from "../api";
import { NodeSettingsQuery, TreeChildren, TreeRoot } from "../operations";
import type { NodeSettingsQuery as SettingsData, TreeNodeFragment } from "../gql/graphql";
import { fmtMoney, fmtNumber, t } from "../i18n";
import { Failure, Skeleton } from "./common";

type Children = { nodes: TreeNodeFragment[]; next: string | null };

function Rollup({ node }: { node: TreeNodeFragment }) {
  const r = node.rollup;
  return (
    <dl class="rollup">
      <div><dt>{t("tree.customers")}</dt><dd>{fmtNumber(r.customerCount)}</dd></div>
      <div><dt>{t("tree.members")}</dt><dd>{fmtNumber(r.memberCount)}</dd></div>
      <div><dt>{t("tree.revenue")}</dt><dd>{fmtMoney(r.revenue)}</dd></div>
      <div><dt>{t("tree.tickets")}</dt><dd>{fmtNumber(r.openTicketCount)}</dd></div>
    </dl>
  );
}

function Item({ node, selected, onSelect }: { node: TreeNodeFragment; selected: string | null; onSelect: (id: string) => void }) {
  const [open, setOpen] = useState(false);
  const [children, setChildren] = useState<Children | null>(null);
  const [error, setError] = useState<string | null>(null);
  const hasChildren = node.children.totalCount > 0;

  async function load(after: string | null) {
    try {
      const data = await request(TreeChildren, { id: node.id, after });
      const conn = data.node?.__typename === "TierNode" ? data.node.children : null;
      if (!conn) return;
      setChildren((prev) => ({
        nodes: [...(after ? prev?.nodes ?? [] : []), ...conn.edges.map((e) => e.node)],
        next: conn.pageInfo.hasNextPage ? conn.pageInfo.endCursor ?? null : null,
      }));
    } catch (e) {
      setError((e as Error).message);
    }
  }

  function toggle() {
    if (!open && !children) void load(null);
    setOpen(!open);
  }

  return (
    <li role="treeitem" aria-expanded={hasChildren ? open : undefined} aria-selected={selected === node.id}>
      <div class="tree-row">
        {hasChildren ? (
          <button type="button" class="toggle" aria-label={t(open ? "tree.collapse" : "tree.expand", { name: node.name })} onClick={toggle}>
            {open ? "▾" : "▸"}
          </button>
        ) : <span class="toggle" aria-hidden="true" />}
        <button type="button" class="link node-name" onClick={() => onSelect(node.id)}>
          {node.name} <small>{node.kind} · {node.code}</small>
        </button>
        <Rollup node={node} />
      </div>
      {open && (
        <ul role="group">
          {error && <li><Failure message={error} /></li>}
          {!children && !error && <li><Skeleton rows={Math.min(node.children.totalCount, 5)} /></li>}
          {children?.nodes.map((c) => <Item key={c.id} node={c} selected={selected} onSelect={onSelect} />)}
          {children?.next && (
            <li><button type="button" onClick={() => void load(children.next)}>{t("more")}</button></li>
          )}
        </ul>
      )}
    </li>
  );
}

type SettingsNode = Extract<NonNullable<SettingsData["node"]>, { __typename: "TierNode" }>;

function Settings({ id }: { id: string }) {
  const [node, setNode] = useState<SettingsNode | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setNode(null);
    request(NodeSettingsQuery, { id })
      .then((d) => setNode(d.node?.__typename === "TierNode" ? d.node : null))
      .catch((e) => setError((e as Error).message));
  }, [id]);
  const rows = [
    ["settings.currency", "currency"], ["settings.locale", "locale"],
    ["settings.timezone", "timezone"], ["settings.program", "membershipProgram"],
  ] as const;
  const show = (v: unknown) => (v && typeof v === "object" ? (v as { name: string }).name : (v as string | null));
  return (
    <section class="card settings" aria-labelledby="settings-title" aria-busy={!node}>
      <h2 id="settings-title">{t("tree.settings")}{node ? `: ${node.name}` : ""}</h2>
      {error && <Failure message={error} />}
      <table>
        <tbody>
          {rows.map(([key, field]) => {
            const own = node ? show(node.ownSettings[field]) : null;
            const effective = node ? show(node.settings[field]) : null;
            return (
              <tr key={field}>
                <th scope="row">{t(key)}</th>
                <td>{node ? effective ?? t("tree.none") : "…"}</td>
                <td class={own ? "own" : "inherited"}>{node ? (own ? t("tree.own") : effective ? t("tree.inherited") : "") : ""}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}

export function Tree() {
  const [root, setRoot] = useState<TreeNodeFragment | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  useEffect(() => {
    request(TreeRoot).then((d) => { setRoot(d.tierTree); setSelected(d.tierTree.id); })
      .catch((e) => setError((e as Error).message));
  }, []);
  return (
    <div class="split">
      <section class="card" aria-labelledby="tree-title">
        <h1 id="tree-title">{t("tree.title")}</h1>
        {error && <Failure message={error} />}
        {!root && !error && <Skeleton rows={4} />}
        {root && (
          <ul role="tree" aria-labelledby="tree-title" class="tree">
            <Item node={root} selected={selected} onSelect={setSelected} />
          </ul>
        )}
      </section>
      {selected && <Settings id={selected} />}
    </div>
  );
}
