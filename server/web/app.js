// The live leaderboard page: lists a game's boards (ListLeaderboards), then
// follows WatchLeaderboard through the gateway as server-sent events. The
// browser's EventSource sends "Accept: text/event-stream", which is how the
// gateway picks SSE framing; every frame is {"result": WatchLeaderboardResponse}
// or {"error": {...}}. A player's neighbourhood is refetched from the
// around-player route whenever an update arrives, and on boards that keep
// history (LeaderboardConfig.history) so is the player's history
// (GetPlayerHistory), drawn as an SVG line chart of score over time.
'use strict';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const SVG = 'http://www.w3.org/2000/svg';
let source = null;
let lastScores = new Map();
// leaderboardId -> LeaderboardConfig (JSON) of the game shown.
let boardConfigs = new Map();

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
    boardConfigs = new Map();
    for (const info of body.leaderboards || []) {
      boardConfigs.set(info.config.leaderboardId, info.config);
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

function svgElement(name, attributes, text) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) {
    element.setAttribute(key, value);
  }
  if (text !== undefined) element.textContent = text;
  return element;
}

function shortTime(date) {
  return date.toISOString().slice(0, 16).replace('T', ' ');
}

// Draws `points` (HistoryPoint JSON) into #history-chart at the chart's
// width in CSS pixels (so text keeps its size on any screen; redrawn on
// resize): score over event time, a line through the points in time order,
// a dot per point (its title names the score, time and event), four score
// gridlines and the first and last time. Every dot carries data-score,
// data-time and data-event.
let shownHistory = [];
function drawHistory(points) {
  shownHistory = points;
  const width = Math.max(240, $('history-chart').clientWidth || 640);
  const height = width < 500 ? 180 : 220;
  const left = 64, right = 16, top = 12, bottom = 28;
  const sorted = points.map((p) => ({score: Number(p.score),
                                     time: Date.parse(p.occurredAt),
                                     event: p.eventId || ''}))
      .sort((a, b) => a.time - b.time);
  const times = sorted.map((p) => p.time);
  const scores = sorted.map((p) => p.score);
  let t0 = Math.min(...times), t1 = Math.max(...times);
  if (t0 === t1) { t0 -= 1000; t1 += 1000; }
  let s0 = Math.min(...scores), s1 = Math.max(...scores);
  const pad = s0 === s1 ? Math.max(1, Math.abs(s0) * 0.01) : (s1 - s0) * 0.08;
  s0 -= pad;
  s1 += pad;
  const x = (t) => left + (t - t0) / (t1 - t0) * (width - left - right);
  const y = (s) => top + (s1 - s) / (s1 - s0) * (height - top - bottom);
  const svg = svgElement('svg', {viewBox: `0 0 ${width} ${height}`,
                                 width: width, height: height, role: 'img',
                                 'data-points': sorted.length});
  const span = s1 - s0;
  const axisLabel = (v) => span >= 10 ? Math.round(v).toLocaleString('en')
                                      : v.toFixed(span >= 0.1 ? 2 : 4);
  svg.appendChild(svgElement('title', {},
      `score after each change, ${sorted.length} points`));
  for (let i = 0; i <= 3; i++) {
    const s = s0 + (s1 - s0) * i / 3;
    svg.appendChild(svgElement('line', {class: 'axis', x1: left, x2: width - right,
                                        y1: y(s), y2: y(s)}));
    svg.appendChild(svgElement('text', {class: 'label', x: left - 6, y: y(s) + 4,
                                        'text-anchor': 'end'}, axisLabel(s)));
  }
  svg.appendChild(svgElement('text', {class: 'label', x: left, y: height - 8},
                             shortTime(new Date(times[0]))));
  svg.appendChild(svgElement('text', {class: 'label', x: width - right,
                                      y: height - 8, 'text-anchor': 'end'},
                             shortTime(new Date(times[times.length - 1]))));
  svg.appendChild(svgElement('polyline', {
    class: 'line',
    points: sorted.map((p) => `${x(p.time).toFixed(1)},${y(p.score).toFixed(1)}`)
        .join(' ')}));
  for (const p of sorted) {
    const dot = svgElement('circle', {class: 'point', r: 4,
                                      cx: x(p.time).toFixed(1),
                                      cy: y(p.score).toFixed(1),
                                      'data-score': p.score,
                                      'data-time': new Date(p.time).toISOString(),
                                      'data-event': p.event});
    dot.appendChild(svgElement('title', {}, `${formatScore(p.score)} · ${
        shortTime(new Date(p.time))} · ${p.event}`));
    svg.appendChild(dot);
  }
  $('history-chart').replaceChildren(svg);
}

async function refreshHistory(game, board, player) {
  const config = boardConfigs.get(board) || {};
  const kept = (config.history || {}).maxPoints || 0;
  if (!player || !kept) {
    $('history-section').hidden = true;
    return;
  }
  $('history-section').hidden = false;
  $('history-player').textContent = player;
  try {
    const body = await getJson(`/v1/games/${enc(game)}/leaderboards/${
        enc(board)}/players/${enc(player)}/history`);
    const points = body.points || [];
    $('history-meta').textContent = `${points.length} change${
        points.length === 1 ? '' : 's'} (the board keeps the last ${kept})` +
        (body.period ? ` · period ${body.period}` : '');
    drawHistory(points);
  } catch (err) {
    $('history-chart').replaceChildren();
    $('history-meta').textContent = err.message;
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
    refreshHistory(game, board, player);
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
window.addEventListener('resize', () => {
  if (shownHistory.length && !$('history-section').hidden) {
    drawHistory(shownHistory);
  }
});
$('controls').addEventListener('submit', (e) => { e.preventDefault(); watch(); });
loadBoards();
