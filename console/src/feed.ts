// The viewer's events through the `events` subscription, for the whole session.
import { signal } from "@preact/signals";
import { subscribeResumable, onSocketStatus } from "./api";
import { Events } from "./operations";
import type { EventsSubscription } from "./gql/graphql";
import { may, type Viewer } from "./state";

export type FeedEvent = EventsSubscription["events"];
export const feed = signal<FeedEvent[]>([]);
export const feedStatus = signal<"off" | "connecting" | "connected" | "closed">("off");
export const feedError = signal<string | null>(null);
const MAX = 200;

let stop: (() => void) | null = null;
let unlisten: (() => void) | null = null;

export function startFeed(me: Viewer): void {
  stopFeed();
  if (!may.readEvents(me)) return;
  unlisten = onSocketStatus((s) => { feedStatus.value = s; });
  stop = subscribeResumable(
    Events, { after: null }, (r) => r.events.cursor,
    (r) => { feed.value = [r.events, ...feed.value].slice(0, MAX); },
    (e) => { feedError.value = String((e as { message?: string }).message ?? e); },
  );
}

export function stopFeed(): void {
  stop?.();
  unlisten?.();
  stop = unlisten = null;
  feed.value = [];
  feedStatus.value = "off";
  feedError.value = null;
}
