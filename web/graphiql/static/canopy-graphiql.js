// Canopy's GraphiQL page: strawberry's graphiql.html script, served from Canopy's origin
// (no CDN, no inline script, so the page's CSP allows scripts from 'self' only).
// The token goes in the Headers pane, {"Authorization": "Bearer <token>"}; it is kept in
// memory only (never in localStorage or the URL) and also sent as the websocket's
// connection_init payload, which is where Canopy reads it for subscriptions.
(function () {
  "use strict";

  const EXAMPLE_QUERY = `# Canopy GraphiQL
#
# 1. Log in (the credentials \`canopy demo\` printed), then run it (Ctrl-Enter):
#
#    mutation Login {
#      login(input: {email: "admin@demo.canopy.example", password: "..."}) {
#        token
#        errors { field code message }
#      }
#    }
#
# 2. Open the Headers pane below and paste the token:
#
#    {"Authorization": "Bearer <token>"}
#
# Queries and mutations go over HTTP, subscriptions over a websocket
# (graphql-transport-ws) that sends the same headers in connection_init.
#
# Run Query: Ctrl-Enter    Auto Complete: Ctrl-Space    Prettify: Shift-Ctrl-P

query Me {
  me {
    name
    role
    scope { name }
  }
}
`;

  // Shareable links carry the query and variables (never headers: a link must not be
  // able to plant someone else's token).
  const parameters = new URLSearchParams(window.location.search);

  function updateURL(key, value) {
    if (value) {
      parameters.set(key, value);
    } else {
      parameters.delete(key);
    }
    const search = parameters.toString();
    history.replaceState(null, "", search ? "?" + search : window.location.pathname);
  }

  const fetchURL = window.location.href.split("?")[0].split("#")[0];
  const subscriptionUrl = new URL(fetchURL);
  subscriptionUrl.protocol = subscriptionUrl.protocol === "https:" ? "wss:" : "ws:";

  const fetcher = GraphiQL.createFetcher({
    url: fetchURL,
    subscriptionUrl: subscriptionUrl.toString(),
  });
  const explorer = GraphiQLPluginExplorer.explorerPlugin();

  function CanopyGraphiQL() {
    const [query, setQuery] = React.useState(parameters.get("q") || EXAMPLE_QUERY);
    const [variables, setVariables] = React.useState(parameters.get("variables") || undefined);

    return React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultEditorToolsVisibility: true,
      plugins: [explorer],
      query: query,
      variables: variables,
      onEditQuery: function (value) {
        setQuery(value);
        updateURL("q", value);
      },
      onEditVariables: function (value) {
        setVariables(value);
        updateURL("variables", value);
      },
      inputValueDeprecation: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
    });
  }

  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(CanopyGraphiQL),
  );
})();
