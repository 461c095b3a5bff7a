// Starts GraphiQL from the embedded React, ReactDOM and GraphiQL builds (no inline script).
const root = document.getElementById('graphiql');
const url = new URL(root.dataset.endpoint, location.href).href;
const socket = new URL(root.dataset.subscriptions, location.href);
socket.protocol = socket.protocol === 'https:' ? 'wss:' : 'ws:';
const fetcher = GraphiQL.createFetcher({ url, subscriptionUrl: socket.href });
ReactDOM.createRoot(root).render(React.createElement(GraphiQL, { fetcher}));
