// The console's only way to the server: Canopy's public GraphQL API, POST /graphql and
// ws /graphql (graphql-transport-ws). The token lives in sessionStorage: never a URL or cookie.
import { createClient, type Client } from "graphql-ws";
import type { TypedDocumentString } from "./gql/graphql";
import persisted from "./gql/persisted-documents.json";

const TOKEN_KEY = "canopy.token";
const documents = persisted as Record<string, string>;

export type UserError = { field?: readonly string[] | null; code: string; message: string };

export class ApiError extends Error {
  constructor(message: string, readonly code?: string) {
    super(message);
  }
}

export const getToken = (): string | null => sessionStorage.getItem(TOKEN_KEY);

export function setToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
  wsClient?.dispose();
  wsClient = null;
}

/** The exact text registered in persisted-documents.json for this document. */
export function documentText(doc: TypedDocumentString<unknown, unknown>): string {
  const hash = (doc as unknown as { __meta__?: { hash?: string } }).__meta__?.hash;
  const text = hash ? documents[hash] : undefined;
  if (!text) throw new Error("document not registered: run npm run codegen");
  return text;
}

let onUnauthenticated: () => void = () => {};
export const setUnauthenticatedHandler = (f: () => void) => { onUnauthenticated = f; };

export async function request<R, V>(doc: TypedDocumentString<R, V>, variables?: V): Promise<R> {
  const token = getToken();
  const response = await fetch("/graphql", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/graphql-response+json, application/json",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query: documentText(doc as TypedDocumentString<unknown, unknown>), variables: variables ?? {} }),
  });
  let body: { data?: R; errors?: { message: string; extensions?: { code?: string } }[] };
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`HTTP ${response.status}`);
  }
  if (body.errors?.length) {
    const code = body.errors[0].extensions?.code;
    if (code === "UNAUTHENTICATED") onUnauthenticated();
    throw new ApiError(body.errors[0].message, code);
  }
  if (!body.data) throw new ApiError(`HTTP ${response.status}`);
  return body.data;
}

let wsClient: Client | null = null;
type Status = "connecting" | "connected" | "closed";
const statusListeners = new Set<(s: Status) => void>();
export const onSocketStatus = (f: (s: Status) => void) => {
  statusListeners.add(f);
  return () => void statusListeners.delete(f);
};
const emit = (s: Status) => statusListeners.forEach((f) => f(s));

function socket(): Client {
  if (wsClient) return wsClient;
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/graphql`;
  wsClient = createClient({
    url,
    connectionParams: () => ({ authorization: `Bearer ${getToken() ?? ""}` }),
    retryAttempts: Infinity,
    shouldRetry: () => true,
    on: {
      connecting: () => emit("connecting"),
      connected: () => emit("connected"),
      closed: () => emit("closed"),
    },
  });
  return wsClient;
}

/** Test hook and a real need (a proxy restart): drop the socket; graphql-ws reconnects. */
export function dropSocket(): void {
  // terminate() closes as if the network went away, so the retry logic runs.
  wsClient?.terminate();
}

/**
 * A subscription that resumes after a reconnect: graphql-ws re-sends the same payload
 * object on every new socket, so `after` is advanced in place to the last cursor seen and
 * the server replays exactly what was missed. Cursors seen twice are dropped anyway.
 */
export function subscribeResumable<R extends Record<string, unknown>, V extends { after?: string | null }>(
  doc: TypedDocumentString<R, V>, variables: V, cursorOf: (r: R) => string,
  next: (r: R) => void, error: (e: unknown) => void,
): () => void {
  const payload = { query: documentText(doc as TypedDocumentString<unknown, unknown>), variables: { ...variables } };
  const seen = new Set<string>();
  return socket().subscribe<R>(payload, {
    next: (result) => {
      if (result.errors?.length) return error(result.errors[0]);
      if (!result.data) return;
      const cursor = cursorOf(result.data as R);
      if (seen.has(cursor)) return;
      seen.add(cursor);
      payload.variables.after = cursor;
      next(result.data as R);
    },
    error,
    complete: () => {},
  });
}
