// The studio screen, live: vote counts and newly approved questions over the API's
// WebSocket subscription (live.js, loaded before this script), re-sorted by votes. No
// controls, no polling; when the socket closes for good the page reloads, which asks for a
// fresh token (and stops showing anything once a screen link is revoked).

const main = document.querySelector('main[data-event]');
if (main) {
  const list = main.querySelector('.scherm__list');
  const empty = main.querySelector('.scherm__empty');
  const shown = Number(main.dataset.shown) || 6;
  const themeId = main.dataset.themeId || null;

  const item = (question) => {
    const li = document.createElement('li');
    li.className = 'scherm__question';
    li.dataset.questionId = question.id;
    const text = document.createElement('span');
    text.className = 'scherm__text';
    text.textContent = question.text;
    const votes = document.createElement('span');
    votes.className = 'scherm__votes';
    const count = document.createElement('span');
    count.className = 'scherm__count';
    const unit = document.createElement('span');
    unit.className = 'scherm__unit';
    unit.textContent = main.dataset.labelVotes;
    votes.append(count, ' ', unit);
    li.append(text, votes);
    return li;
  };

  const now = main.querySelector('.scherm__now');
  const nowText = now && now.querySelector('.scherm__now-text');

  // The question a moderator highlights stands above the list until another takes over.
  const showNow = (question) => {
    if (!now) return;
    if (question.highlighted && question.status === 'APPROVED') {
      nowText.textContent = question.text;
      nowText.dataset.questionId = question.id;
      now.hidden = false;
    } else if (nowText.dataset.questionId === question.id) {
      nowText.textContent = '';
      nowText.dataset.questionId = '';
      now.hidden = true;
    }
  };

  const show = (question) => {
    if (themeId && question.theme.id !== themeId) {
      // Moved to another theme by a moderator: no longer this screen's.
      const gone = list.querySelector(`[data-question-id="${CSS.escape(question.id)}"]`);
      if (gone) gone.remove();
      if (nowText && nowText.dataset.questionId === question.id) showNow({ ...question, highlighted: false });
      empty.hidden = list.children.length > 0;
      return;
    }
    showNow(question);
    let li = list.querySelector(`[data-question-id="${CSS.escape(question.id)}"]`);
    if (question.status !== 'APPROVED') {
      if (li) li.remove();
    } else {
      if (!li) { li = item(question); list.append(li); }
      if (li.dataset.votes !== String(question.voteCount)) {
        li.dataset.votes = String(question.voteCount);
        li.querySelector('.scherm__count').textContent = String(question.voteCount);
        li.classList.remove('scherm__question--changed');
        void li.offsetWidth;
        li.classList.add('scherm__question--changed');
      }
    }
    // Most recognised first (ties: the older first, as the server orders them).
    const items = [...list.children].sort((a, b) => Number(b.dataset.votes) - Number(a.dataset.votes));
    items.forEach((node, i) => { if (i < shown) list.append(node); else node.remove(); });
    empty.hidden = list.children.length > 0;
  };

  // Live (live.js); when the socket stays closed the page reloads after a while.
  if (window.buurtgraphLive) {
    window.buurtgraphLive.subscribe(main, {
      query: 'subscription($slug: String) { learningQuestionEvents(eventSlug: $slug) { question { id text status voteCount highlighted theme { id } } } }',
      variables: () => ({ slug: main.dataset.event }),
      next: (data) => show(data.learningQuestionEvents.question),
      attempts: 5,
      gaveUp: () => setTimeout(() => location.reload(), 30000),
    });
  }
}
