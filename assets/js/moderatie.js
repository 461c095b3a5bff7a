// The moderation page, enhanced: new submissions arrive live over the API's WebSocket
// subscription (live.js, loaded before this script), and keyboard shortcuts act on the current question.
// The cards come from the server: on a change the script fetches this page once and takes
// the new cards from it, so every action stays the same form as without the script.

const main = document.querySelector('main[data-moderation]');
if (main) {
  const queue = document.getElementById('wachtrij');
  const status = document.getElementById('live-status');
  const cards = () => [...queue.querySelectorAll('.mod-card')];
  let current = null;

  const focusCard = (card) => {
    if (!card) return;
    if (current) current.classList.remove('is-current');
    current = card;
    card.classList.add('is-current');
    card.focus({ preventScroll: false });
  };

  // Takes the cards of a fresh copy of this page: new ones are appended (the queue runs
  // oldest first), ones that left the filter are removed; cards being worked on stay.
  let refreshing = false;
  let again = false;
  const refresh = async () => {
    if (refreshing) { again = true; return; }
    refreshing = true;
    try {
      const response = await fetch(location.href, { credentials: 'same-origin', headers: { accept: 'text/html' } });
      if (!response.ok) return;
      const fresh = new DOMParser().parseFromString(await response.text(), 'text/html');
      const freshQueue = fresh.getElementById('wachtrij');
      if (!freshQueue) return;
      const wanted = new Map([...freshQueue.querySelectorAll('.mod-card')].map((c) => [c.id, c]));
      let added = 0;
      for (const card of cards()) {
        if (!wanted.has(card.id) && !card.contains(document.activeElement)) card.remove();
      }
      for (const [id, card] of wanted) {
        if (document.getElementById(id)) continue;
        card.classList.add('is-new');
        queue.append(document.adoptNode(card));
        added += 1;
      }
      const empty = queue.querySelector('.mod-queue__empty');
      if (empty && cards().length) empty.remove();
      const heading = fresh.getElementById('wachtrij-titel');
      if (heading) document.getElementById('wachtrij-titel').textContent = heading.textContent;
      if (!document.getElementById('bulk') && fresh.getElementById('bulk')) {
        queue.after(document.adoptNode(fresh.getElementById('bulk')));
      }
      if (added && status) status.textContent = main.dataset.labelNew;
    } catch {
      // The next change tries again.
    } finally {
      refreshing = false;
      if (again) { again = false; refresh(); }
    }
  };

  const submitIn = (card, selector) => {
    const form = card && card.querySelector(selector);
    if (!form) return;
    const button = form.querySelector('button[type="submit"]');
    form.requestSubmit(button || undefined);
  };

  document.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target instanceof Element ? event.target : null;
    const typing = target && target.closest('input, textarea, select, [contenteditable]');
    if (typing) {
      if (event.key === 'Escape') { target.blur(); focusCard(target.closest('.mod-card')); }
      return;
    }
    const list = cards();
    if (!list.length) return;
    const card = current && current.isConnected ? current : (target && target.closest('.mod-card'));
    const index = card ? list.indexOf(card) : -1;
    switch (event.key) {
      case 'j': focusCard(list[Math.min(index + 1, list.length - 1)]); break;
      case 'k': focusCard(list[Math.max(index - 1, 0)]); break;
      case 'a': submitIn(card, 'form[data-key="a"]'); break;
      case 'h': submitIn(card, 'form[data-key="h"]'); break;
      case 's': submitIn(card, 'form[data-key="s"]'); break;
      case 'r': {
        const reason = card && card.querySelector('[data-key="r"]');
        if (reason) reason.focus();
        break;
      }
      case 'x': {
        const box = card && card.querySelector('.mod-card__select');
        if (box && !box.disabled) box.checked = !box.checked;
        break;
      }
      default: return;
    }
    event.preventDefault();
  });

  queue.addEventListener('focusin', (event) => {
    const card = event.target.closest('.mod-card');
    if (card && card !== current) {
      if (current) current.classList.remove('is-current');
      current = card;
      card.classList.add('is-current');
    }
  });

  // Live (live.js): any change but a vote count takes the new cards.
  if (window.buurtgraphLive) {
    window.buurtgraphLive.subscribe(main, {
      query: 'subscription($themeId: ID) { learningQuestionEvents(themeId: $themeId) { change question { id status } } }',
      variables: () => ({ themeId: main.dataset.themeId || null }),
      next: (data) => { if (data.learningQuestionEvents.change !== 'VOTED') refresh(); },
    });
  }
}
