// The learning agenda, enhanced: live vote counts, newly approved questions and the question
// being discussed at the table over the API's WebSocket subscription (live.js, loaded
// before this script; the studio screen and the moderation page use the same), and similar
// approved questions while typing, each with a button that votes instead of submitting a
// duplicate. Without this script every part of the page still works through its forms.

const main = document.querySelector('main[data-event]');
if (main) {
  const event = main.dataset.event;
  const csrf = document.querySelector('input[name="csrfToken"]');
  const voteAction = `/events/${encodeURIComponent(event)}/leeragenda/stem`;

  const el = (tag, attributes = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    for (const child of children) node.append(child);
    return node;
  };

  // As the server renders it: the question's text is in the button's name for screen readers.
  const voteForm = (id, text, label) => el('form', { method: 'post', action: voteAction },
    el('input', { type: 'hidden', name: 'csrfToken', value: csrf ? csrf.value : '' }),
    el('input', { type: 'hidden', name: 'id', value: id }),
    el('button', { class: 'button button--small', type: 'submit', name: 'action', value: 'vote' },
      label, el('span', { class: 'visually-hidden' }, `: ${text}`)));

  // The participant's own questions, as the server marked them; the live updates add those
  // submitted elsewhere. The subscription asks nothing of the viewer (no isMine,
  // viewerHasVoted), so the server shares one execution of it among all participants.
  const mine = new Set([...document.querySelectorAll('[data-mine-id]')].map((node) => node.dataset.mineId));
  // Cards taken out of one theme's list, waiting for the event that puts them in another.
  const moved = new Map();

  const votesText = (count) => `${count} ${main.dataset.labelVotes}`;

  // Inside the question form a nested <form> is not allowed: this button posts the same
  // fields itself and follows the redirect like a form would.
  const voteButton = (id, label) => {
    const button = el('button', { class: 'button button--small', type: 'button' }, label);
    button.addEventListener('click', async () => {
      button.disabled = true;
      const body = new URLSearchParams({ csrfToken: csrf ? csrf.value : '', id, action: 'vote' });
      try {
        const response = await fetch(voteAction, { method: 'POST', body, credentials: 'same-origin' });
        location.assign(response.url);
      } catch {
        button.disabled = false;
      }
    });
    return button;
  };

  // The question a moderator highlights stands above its theme's list until another takes
  // over (the server sends the one that lost the highlight too) or it leaves the theme.
  const showNow = (question) => {
    for (const panel of document.querySelectorAll('[data-now-for]')) {
      const text = panel.querySelector('[data-now-id]');
      const here = panel.dataset.nowFor === question.theme.id;
      if (here && question.highlighted && question.status === 'APPROVED') {
        text.textContent = question.text;
        text.dataset.nowId = question.id;
        panel.hidden = false;
      } else if (text.dataset.nowId === question.id) {
        text.textContent = '';
        text.dataset.nowId = '';
        panel.hidden = true;
      }
    }
  };

  const show = (question) => {
    showNow(question);
    let existing = document.querySelector(`[data-question-id="${CSS.escape(question.id)}"]`);
    // Moved to another theme by a moderator: it goes to that theme's list.
    if (existing && existing.closest('[data-approved-for]')
      && existing.closest('[data-approved-for]').dataset.approvedFor !== question.theme.id) {
      existing.remove();
      moved.set(question.id, existing);
      existing = null;
    }
    if (question.status !== 'APPROVED') {
      // Only the participant's own questions reach them while not approved (through the
      // part of the subscription that is theirs alone).
      mine.add(question.id);
      moved.delete(question.id);
      if (existing) existing.remove();
      return;
    }
    if (existing) {
      const votes = existing.querySelector('[data-votes]');
      if (votes) votes.textContent = votesText(question.voteCount);
      return;
    }
    const list = document.querySelector(`[data-approved-for="${CSS.escape(question.theme.id)}"]`);
    if (!list) return;
    const empty = list.querySelector('.questions__empty');
    if (empty) empty.remove();
    const card = moved.get(question.id);
    if (card) {
      // Its own card, vote or withdraw button as the server gave it, in the new theme.
      moved.delete(question.id);
      card.querySelector('[data-votes]').textContent = votesText(question.voteCount);
      list.append(card);
      return;
    }
    // New to this page, so not recognised on it; marked when it is the participant's own.
    const footer = el('div', { class: 'question__footer' },
      el('span', { class: 'question__votes', 'data-votes': '' }, votesText(question.voteCount)),
      mine.has(question.id) ? el('span', { class: 'muted' }, main.dataset.labelMine)
        : voteForm(question.id, question.text, main.dataset.labelRecognise));
    list.append(el('li', { class: 'question', id: `vraag-${question.id}`, 'data-question-id': question.id },
      el('p', { class: 'question__text' }, question.text), footer));
  };

  // Similar approved questions while typing.
  for (const form of document.querySelectorAll('form[data-theme-id]')) {
    const text = form.querySelector('textarea[name="text"]');
    const box = form.querySelector('.similar');
    if (!text || !box) continue;
    let timer;
    let asked = '';
    text.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const typed = text.value.trim();
        if (typed === asked) return;
        asked = typed;
        if (typed.length < 10) { box.replaceChildren(); return; }
        const url = new URL(main.dataset.similarUrl, location.href);
        url.searchParams.set('themeId', form.dataset.themeId);
        url.searchParams.set('text', typed);
        let found = [];
        try {
          const response = await fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } });
          if (response.ok) found = await response.json();
        } catch { return; }
        if (asked !== typed) return;
        if (!found.length) { box.replaceChildren(); return; }
        box.replaceChildren(el('h4', {}, main.dataset.labelSimilar), el('ul', {}, ...found.map((q) => el('li', {},
          el('p', { class: 'question__text' }, q.text),
          el('div', { class: 'question__footer' },
            el('span', { class: 'question__votes' }, votesText(q.voteCount)),
            q.viewerHasVoted ? el('span', { class: 'muted' }, main.dataset.labelRecognised)
              : voteButton(q.id, main.dataset.labelRecognise))))));
      }, 400);
    });
  }

  // Live (live.js): the document is the server's (data-live-query), the one it shares.
  if (window.buurtgraphLive && main.dataset.liveQuery) {
    window.buurtgraphLive.subscribe(main, {
      query: main.dataset.liveQuery,
      variables: () => ({ slug: event }),
      next: (data) => show(data.learningQuestionEvents.question),
    });
  }
}
