// ConsentQL's GraphiQL: the vendored GraphiQL (../graphiql/) with a sign-in panel. A module, so
// it runs after the vendored scripts have defined React, ReactDOM, GraphiQL and the explorer.

import { signInPlugin, whoAmI } from "./sign-in-panel.js";

const DEFAULT_QUERY = `# GraphiQL, served by ConsentQL itself
# (no internet needed).
#
# Sign in with the "Sign in" panel on
# the left (the person icon): the
# password goes into its form, never
# into a query. The session cookie it
# sets goes with every query, and the
# schema reloads.
#
# Run with Ctrl-Enter or the play button.

{
  me {
    id
    name
    role
  }
}
`;

const root = document.getElementById("graphiql");
const endpoint = root.dataset.endpoint;

// Explicit rather than relying on fetch's default: the session cookie that the sign-in sets must
// go with every later query, and must never go to another origin.
function sameOriginFetch(url, init) {
  return window.fetch(url, Object.assign({}, init, { credentials: "same-origin" }));
}

// The schema has no subscriptions, so no WebSocket URL: nothing but plain POSTs.
const fetcher = GraphiQL.createFetcher({ url: endpoint, fetch: sameOriginFetch });
const signIn = signInPlugin(endpoint);
const plugins = [signIn, GraphiQLPluginExplorer.explorerPlugin()];
// Nobody signed in: the panel is open from the start, since signing in comes first.
const viewer = await whoAmI(endpoint).catch(() => null);

ReactDOM.createRoot(root).render(
  React.createElement(GraphiQL, {
    fetcher,
    defaultQuery: DEFAULT_QUERY,
    defaultEditorToolsVisibility: true,
    plugins,
    visiblePlugin: viewer ? undefined : signIn,
    inputValueDeprecation: true,
    isHeadersEditorEnabled: true,
    // Tabs, queries and headers may hold bearer tokens: keep them for this browser tab only
    // instead of in localStorage, where they would outlive the session.
    storage: window.sessionStorage,
    shouldPersistHeaders: false,
  }),
);
