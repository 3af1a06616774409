// The live leaderboard page: lists a game's boards (ListLeaderboards), then
// follows WatchLeaderboard through the gateway as server-sent events. The
// browser's EventSource sends "Accept: text/event-stream", which is how the
// gateway picks SSE framing; every frame is {"result": WatchLeaderboardResponse}
// or {"error": {...}}. A player's neighbourhood is refetched from the
// around-player route whenever an update arrives.
'use strict';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
let source = null;
let lastScores = new Map();

function showError(message) {
  $('error').textContent = message;
  $('error').hidden = !message;
  if (message) setStatus('error');
}

function setStatus(state) {
  $('status').dataset.state = state;
  $('status').textContent = state;
}

function formatScore(score) {
  const n = Number(score);
  return Number.isInteger(n) ? n.toLocaleString('en') : n.toFixed(2);
}

async function getJson(path) {
  const response = await fetch(path, {headers: {Accept: 'application/json'}});
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error(body.message || `${response.status} ${response.statusText}`);
  }
  return body;
}

function fillTable(tbody, entries, me) {
  const rows = entries.map((e) => {
    const tr = document.createElement('tr');
    tr.dataset.player = e.playerId;
    if (me && e.playerId === me) tr.className = 'me';
    const previous = lastScores.get(e.playerId);
    if (previous !== undefined && previous !== e.score) {
      tr.classList.add('changed');
    }
    for (const [text, cls] of [[e.rank, 'num'], [e.playerId, ''],
                               [formatScore(e.score), 'num']]) {
      const td = document.createElement('td');
      td.textContent = text;
      if (cls) td.className = cls;
      tr.appendChild(td);
    }
    return tr;
  });
  tbody.replaceChildren(...rows);
}

const enc = encodeURIComponent;

async function loadBoards() {
  const game = $('game').value.trim();
  showError('');
  const select = $('board');
  select.replaceChildren();
  try {
    const body = await getJson(`/v1/games/${enc(game)}/leaderboards`);
    for (const info of body.leaderboards || []) {
      const option = document.createElement('option');
      option.value = info.config.leaderboardId;
      option.textContent = info.config.displayName || info.config.leaderboardId;
      select.appendChild(option);
    }
    const wanted = params.get('board');
    if (wanted && [...select.options].some((o) => o.value === wanted)) {
      select.value = wanted;
    }
    watch();
  } catch (err) {
    showError(`Could not list the boards of '${game}': ${err.message}`);
  }
}

async function refreshAround(game, board, player) {
  if (!player) {
    $('around-section').hidden = true;
    return;
  }
  $('around-section').hidden = false;
  $('around-player').textContent = player;
  try {
    const body = await getJson(`/v1/games/${enc(game)}/leaderboards/${
        enc(board)}/players/${enc(player)}/around?radius=3`);
    fillTable($('around-table').tBodies[0], body.entries || [], player);
  } catch (err) {
    $('around-table').tBodies[0].replaceChildren();
    $('around-player').textContent = `${player} (${err.message})`;
  }
}

function watch() {
  if (source) source.close();
  const game = $('game').value.trim();
  const board = $('board').value;
  const player = $('player').value.trim();
  if (!board) return;
  const query = new URLSearchParams({topN: $('top').value});
  if (player) query.set('playerId', player);
  history.replaceState(null, '', `?game=${enc(game)}&board=${enc(board)}` +
      (player ? `&player=${enc(player)}` : ''));
  setStatus('connecting');
  source = new EventSource(`/v1/games/${enc(game)}/leaderboards/${
      enc(board)}/entries:watch?${query}`);
  source.onopen = () => setStatus('live');
  source.onmessage = (message) => {
    const frame = JSON.parse(message.data);
    if (frame.error) {
      showError(frame.error.message || 'watch failed');
      source.close();
      return;
    }
    showError('');
    setStatus('live');
    const update = frame.result || {};
    const entries = update.entries || [];
    fillTable($('top-table').tBodies[0], entries, player);
    lastScores = new Map(entries.map((e) => [e.playerId, e.score]));
    $('total').textContent = Number(update.totalCount || 0).toLocaleString('en');
    $('period').textContent = update.period ? `· ${update.period}` : '';
    $('updated').textContent = new Date().toLocaleTimeString();
    refreshAround(game, board, player);
  };
  source.onerror = () => {
    // EventSource reconnects by itself; show it meanwhile.
    if (source.readyState !== EventSource.OPEN) setStatus('reconnecting');
  };
}

$('game').value = params.get('game') || $('game').value;
$('player').value = params.get('player') || '';
$('game').addEventListener('change', loadBoards);
$('board').addEventListener('change', watch);
$('player').addEventListener('change', watch);
$('top').addEventListener('change', watch);
$('controls').addEventListener('submit', (e) => { e.preventDefault(); watch(); });
loadBoards();
