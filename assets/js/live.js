// Live updates for the pages, in one place: one WebSocket per page to the API's
// subscriptions (graphql-transport-ws at /graphql/ws), the page's token in connection_init,
// one subscription, pongs to pings, and reconnects with growing pauses (never polls).
// Loaded by its own script tag before the page's script, which hands it the document and
// what to do with each event; <main data-live> says 'open' or 'closed' (the browser tests
// wait for it).

window.buurtgraphLive = {
  // main: the page's <main>, with data-live-token (no token: no socket).
  // query, variables(): the subscription; variables are read at every (re)connect.
  // next(data): called with the data of every event.
  // attempts: connects that fail in a row before giving up; gaveUp(): then called, if given.
  subscribe(main, { query, variables = () => ({}), next, attempts = 6, gaveUp }) {
    const connect = (attempt) => {
      const token = main.dataset.liveToken;
      if (!token) return;
      if (attempt > attempts) {
        if (gaveUp) gaveUp();
        return;
      }
      const url = new URL('/graphql/ws', location.href);
      url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
      const socket = new WebSocket(url, 'graphql-transport-ws');
      let acknowledged = false;
      socket.addEventListener('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { token } })));
      socket.addEventListener('message', (message) => {
        let data;
        try { data = JSON.parse(message.data); } catch { return; }
        if (data.type === 'connection_ack') {
          acknowledged = true;
          main.dataset.live = 'open';
          socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables: variables() } }));
        } else if (data.type === 'ping') {
          socket.send(JSON.stringify({ type: 'pong' }));
        } else if (data.type === 'next' && data.payload && data.payload.data) {
          next(data.payload.data);
        }
      });
      socket.addEventListener('close', () => {
        main.dataset.live = 'closed';
        setTimeout(() => connect(acknowledged ? 0 : attempt + 1), Math.min(30000, 1000 * 2 ** attempt));
      });
    };
    connect(0);
  },
};
