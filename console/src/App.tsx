import type { FunctionComponent } from "preact";
import { useEffect, useState } from "preact/hooks";
import { request, setToken, getToken, setUnauthenticatedHandler } from "./api";
import { Me } from "./operations";
import { chosenLang, lang, langFor, setLang, t, timeZone, type Lang } from "./i18n";
import { route, viewer, go } from "./state";
import { startFeed, stopFeed } from "./feed";
import { Login } from "./views/Login";
import { Tree } from "./views/Tree";
import { Customers } from "./views/Customers";
import { CustomerPage } from "./views/CustomerPage";
import { LiveFeed, feedCount } from "./views/LiveFeed";

// Chart.js is most of the bundle: the reports load it only when first opened.
let ReportsView: FunctionComponent | null = null;
function Reports() {
  const [view, setView] = useState<FunctionComponent | null>(() => ReportsView);
  useEffect(() => {
    if (!view) void import("./views/Reports").then((m) => { ReportsView = m.Reports; setView(() => m.Reports); });
  }, []);
  const View = view;
  return View ? <View /> : <p class="muted" aria-busy="true">{t("loading")}</p>;
}

async function loadViewer(): Promise<void> {
  const { me } = await request(Me);
  viewer.value = me;
  timeZone.value = me.scope.settings.timezone ?? undefined;
  setLang(chosenLang() ?? langFor(me.locale), false);
  startFeed(me);
}

export function logout(): void {
  stopFeed();
  setToken(null);
  viewer.value = null;
}

export function App() {
  const [booting, setBooting] = useState(Boolean(getToken()));
  useEffect(() => {
    setUnauthenticatedHandler(logout);
    if (getToken()) loadViewer().catch(logout).finally(() => setBooting(false));
  }, []);
  const me = viewer.value;
  document.documentElement.lang = lang.value;
  if (booting) return <main class="boot" aria-busy="true">{t("loading")}</main>;
  if (!me) return <Login onToken={async (token) => { setToken(token); await loadViewer(); go("/tree"); }} />;

  const path = route.value;
  const tabs: [string, string][] = [
    ["/tree", t("nav.tree")], ["/customers", t("nav.customers")],
    ["/reports", t("nav.reports")], ["/live", t("nav.live")],
  ];
  let page;
  if (path.startsWith("/customer/")) page = <CustomerPage id={decodeURIComponent(path.slice(10))} />;
  else if (path === "/customers") page = <Customers />;
  else if (path === "/reports") page = <Reports />;
  else if (path === "/live") page = <LiveFeed />;
  else page = <Tree />;

  return (
    <>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById("main")?.focus(); }}>{t("skip")}</a>
      <header class="top">
        <strong class="brand">{t("app.title")}</strong>
        <nav aria-label={t("nav.label")}>
          {tabs.map(([href, text]) => (
            <a href={`#${href}`} aria-current={path === href || (href === "/customers" && path.startsWith("/customer/")) ? "page" : undefined}>
              {text}{href === "/live" && feedCount.value > 0 ? <span class="badge">{feedCount.value}</span> : null}
            </a>
          ))}
        </nav>
        <div class="who">
          <span data-testid="viewer">{me.name} · {t(`enum.${me.role}` as never)} · {me.scope.name}</span>
          <label class="lang">
            <span class="sr">{t("language")}</span>
            <select value={lang.value} onChange={(e) => setLang((e.target as HTMLSelectElement).value as Lang)}>
              <option value="en">English</option>
              <option value="zh-CN">简体中文</option>
            </select>
          </label>
          <button type="button" onClick={logout}>{t("logout")}</button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>{page}</main>
    </>
  );
}
