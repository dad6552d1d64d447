import { computed } from "@preact/signals";
import { feed, feedError, feedStatus } from "../feed";
import { fmtTime, label, t } from "../i18n";
import { may, viewer } from "../state";

export const feedCount = computed(() => feed.value.length);

export function LiveFeed() {
  const me = viewer.value!;
  if (!may.readEvents(me)) return <section class="card"><h1>{t("live.title")}</h1><p>{t("live.forbidden")}</p></section>;
  const status = feedStatus.value;
  return (
    <section class="card" aria-labelledby="live-title">
      <h1 id="live-title">{t("live.title")} <small class={`status ${status}`} data-testid="feed-status">{t(`live.status.${status}` as never)}</small></h1>
      {feedError.value && <p class="failure" role="alert">{feedError.value}</p>}
      {!feed.value.length && <p class="muted">{t("live.empty")}</p>}
      <ol class="feed" aria-live="polite" data-testid="feed">
        {feed.value.map((e) => {
          const s = e.subject;
          let what = "";
          if (s?.__typename === "Interaction") what = `${s.customer.name}: ${s.summary}`;
          else if (s?.__typename === "Customer") what = s.name;
          else if (s?.__typename === "Order") what = s.number;
          else if (s?.__typename === "Ticket") what = `${s.number} ${s.subject}`;
          return (
            <li key={e.cursor}>
              <time dateTime={e.occurredAt}>{fmtTime(e.occurredAt)}</time>
              <strong>{label(e.type)}</strong>
              <span>{e.node?.name ?? ""}</span>
              <span>{what}</span>
              {s?.__typename === "Interaction" && <a href={`#/customer/${encodeURIComponent(s.customer.id)}`} aria-label={`${t("live.open")}: ${s.customer.name}`}>{t("live.open")}</a>}
            </li>
          );
        })}
      </ol>
    </section>
  );
}
