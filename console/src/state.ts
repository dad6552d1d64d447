// Session-wide state: the viewer, the route (the hash: it never carries the token) and the
// live feed, which keeps running while the viewer moves between pages.
import { signal } from "@preact/signals";
import type { MeQuery } from "./gql/graphql";

export type Viewer = MeQuery["me"];
export const viewer = signal<Viewer | null>(null);

export const route = signal<string>(location.hash.slice(1) || "/tree");
addEventListener("hashchange", () => { route.value = location.hash.slice(1) || "/tree"; });
export const go = (path: string) => { location.hash = path; };

/** Roles that may adjust points, open tickets, log interactions (resolvers/common/permissions.py). */
export const may = {
  adjustPoints: (v: Viewer) => v.role === "ADMIN" || v.role === "MANAGER",
  openTicket: (v: Viewer) => ["ADMIN", "MANAGER", "SUPPORT"].includes(v.role),
  logInteraction: (v: Viewer) => ["ADMIN", "MANAGER", "SALES", "SUPPORT"].includes(v.role),
  readEvents: (v: Viewer) => ["ADMIN", "MANAGER", "INTEGRATOR"].includes(v.role),
};
