// Threadkeeper moderators' console. Plain ES module, no build step. Every untrusted string
// (bodies, names, titles, notes, messages) reaches the page through dom.js's h()/textContent.
import { ApiError, del, get, onSessionLost, post, setCsrfToken } from './api.js';
import { append, byId, clear, h, isTypingTarget, setOptions } from './dom.js';
import {
  accountAge, categoryClass, formatAgo, formatClock, formatDateTime, highlightedBody, humanize, plural,
  safeHttpUrl, TRUST_LABELS,
} from './text.js';

const STATUSES = ['held', 'reported', 'pending', 'approved', 'rejected'];
const STATUS_LABELS = { held: 'Held', reported: 'Reported', pending: 'Pending', approved: 'Approved', rejected: 'Rejected' };
const CATEGORIES = ['profanity', 'insult', 'identity_attack', 'threat', 'sexual', 'self_harm', 'spam', 'length', 'policy'];
const REASON_HINTS = [
  'policy.premoderation', 'author.new', 'author.always_hold', 'author.banned', 'author.rejection_rate', 'reports.threshold',
  'list.directed_insult', 'list.group_insult', 'rule.match', 'score.threshold', 'length.too_long', 'length.too_short',
  'spam.link', 'spam.too_many_links', 'spam.shortener', 'spam.blocked_domain', 'spam.email', 'spam.phone',
  'spam.crypto_address', 'spam.money_promise', 'spam.author_repeat', 'spam.author_rate', 'spam.ip_rate',
  'spam.same_text_many_authors',
];
const FILTER_KEYS = ['siteId', 'articleId', 'category', 'reason', 'sort'];
const POLL_MS = 3000;
const PAGE_SIZE = 50;
const OPEN_DELAY_MS = 120;
const CLAIM_RENEW_MS = 60_000;

const state = {
  me: null,
  sites: [],
  reasonCodes: [],
  tab: 'held',
  filters: { siteId: '', articleId: '', category: '', reason: '', sort: 'oldest' },
  version: 0, // bumped whenever the tab or filters change: older answers are dropped
  items: [],
  pages: 0,
  nextCursor: null,
  counts: {},
  currentId: null,
  lastIndex: 0,
  checked: new Set(),
  detail: null, // the open comment, as GET /comments/:id answered
  detailFor: null, // the id the detail pane shows
  audit: null,
  author: null,
  recentlyDecided: new Map(), // id → time: keeps an in-flight poll from bringing it back
  polling: null,
  pollBusy: false,
  openTimer: null,
  claimTimer: null,
  loading: false,
  error: null,
};

const cards = new Map(); // id → {li, article, checkbox, signature}
const els = {};

// ─── start ──────────────────────────────────────────────────────────────────────────────────

document.addEventListener('DOMContentLoaded', boot);

async function boot() {
  for (const id of [
    'boot', 'login-screen', 'login-form', 'login-email', 'login-password', 'login-message', 'login-submit', 'app', 'tabs',
    'whoami', 'help-button', 'logout-button', 'filters', 'filter-site', 'filter-article', 'filter-category', 'filter-reason',
    'reason-suggestions', 'filter-sort', 'queue-pane', 'queue-heading', 'select-all', 'selected-count', 'bulk-reason',
    'bulk-approve', 'bulk-reject', 'queue-scroll', 'queue-list', 'queue-empty', 'load-more', 'detail-pane', 'detail-scroll',
    'detail-empty', 'detail', 'decision-form', 'claim-banner', 'approve-reason', 'reject-reason', 'decision-note',
    'approve-button', 'reject-button', 'help-dialog', 'announcer', 'toasts', 'live-indicator',
  ]) {
    els[camel(id)] = byId(id);
  }
  bindUi();
  onSessionLost(() => {
    if (!state.me) return;
    leaveApp();
    showLogin('Your session ended. Log in again to continue.');
  });
  try {
    const me = await get('/v1/auth/me');
    await enterApp(me);
  } catch (error) {
    showLogin(error instanceof ApiError && error.status === 401 ? null : messageOf(error));
  } finally {
    els.boot.hidden = true;
  }
}

function camel(id) {
  return id.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
}

// ─── login / logout ─────────────────────────────────────────────────────────────────────────

function showLogin(message, kind = 'error') {
  els.app.hidden = true;
  els.loginScreen.hidden = false;
  document.title = 'Log in · Threadkeeper';
  setLoginMessage(message, kind);
  els.loginPassword.value = '';
  (els.loginEmail.value ? els.loginPassword : els.loginEmail).focus();
}

function setLoginMessage(message, kind = 'error') {
  els.loginMessage.hidden = !message;
  els.loginMessage.textContent = message ?? '';
  els.loginMessage.classList.toggle('is-info', kind === 'info');
}

async function onLoginSubmit(event) {
  event.preventDefault();
  const email = els.loginEmail.value.trim();
  const password = els.loginPassword.value;
  if (!email || !password) {
    setLoginMessage('Enter your email and password.');
    (email ? els.loginPassword : els.loginEmail).focus();
    return;
  }
  els.loginSubmit.disabled = true;
  els.loginSubmit.textContent = 'Logging in…';
  try {
    const me = await post('/v1/auth/login', { email, password });
    setLoginMessage(null);
    await enterApp(me);
  } catch (error) {
    if (error.status === 401) setLoginMessage('That email and password do not match an account.');
    else if (error.status === 423) {
      const minutes = error.retryAfter ? Math.max(1, Math.ceil(error.retryAfter / 60)) : null;
      setLoginMessage(`Too many failed attempts: this account is locked${minutes ? ` for ${plural(minutes, 'minute')}` : ' for a while'}.`);
    } else setLoginMessage(messageOf(error));
    els.loginPassword.select();
    els.loginPassword.focus();
  } finally {
    els.loginSubmit.disabled = false;
    els.loginSubmit.textContent = 'Log in';
  }
}

async function enterApp(me) {
  state.me = me.moderator;
  setCsrfToken(me.csrfToken);
  els.loginScreen.hidden = true;
  els.app.hidden = false;
  els.whoami.replaceChildren(
    h('span', { class: 'whoami-name', text: state.me.name || state.me.email }),
    h('span', { class: 'role-badge', text: state.me.role === 'admin' ? 'Admin' : 'Moderator' }),
  );
  els.whoami.title = state.me.email ?? '';
  readUrlState();
  renderTabs();
  renderFilterControls();
  const [sites, codes] = await Promise.allSettled([get('/v1/moderation/sites'), get('/v1/moderation/reason-codes')]);
  state.sites = sites.status === 'fulfilled' && Array.isArray(sites.value) ? sites.value : [];
  state.reasonCodes = codes.status === 'fulfilled' && Array.isArray(codes.value) ? codes.value : [];
  if (sites.status === 'rejected') toast(`Could not load your sites: ${messageOf(sites.reason)}`, 'error');
  if (codes.status === 'rejected') toast(`Could not load the reason codes: ${messageOf(codes.reason)}`, 'error');
  renderFilterControls();
  renderReasonSelects();
  await reloadQueue();
  startPolling();
}

async function logout() {
  try {
    await releaseClaim();
    await post('/v1/auth/logout');
  } catch (error) {
    if (error.status !== 401) toast(`Logging out failed: ${messageOf(error)}`, 'error');
  }
  leaveApp();
  showLogin('You are logged out.', 'info');
}

function leaveApp() {
  stopPolling();
  clearTimeout(state.openTimer);
  clearInterval(state.claimTimer);
  setCsrfToken(null);
  state.me = null;
  state.items = [];
  state.checked.clear();
  state.currentId = null;
  state.detail = null;
  state.detailFor = null;
  cards.clear();
  clear(els.queueList);
  renderDetail();
  if (els.helpDialog.open) els.helpDialog.close();
}

// ─── UI wiring ──────────────────────────────────────────────────────────────────────────────

function bindUi() {
  els.loginForm.addEventListener('submit', onLoginSubmit);
  els.logoutButton.addEventListener('click', logout);
  els.helpButton.addEventListener('click', openHelp);

  els.filters.addEventListener('submit', (event) => event.preventDefault());
  els.filters.addEventListener('reset', (event) => {
    event.preventDefault();
    state.filters = { siteId: '', articleId: '', category: '', reason: '', sort: 'oldest' };
    renderFilterControls();
    filtersChanged();
  });
  for (const select of [els.filterSite, els.filterCategory, els.filterSort]) {
    select.addEventListener('change', () => {
      state.filters[select.name] = select.value;
      filtersChanged();
    });
  }
  for (const input of [els.filterArticle, els.filterReason]) {
    let timer = null;
    const apply = () => {
      clearTimeout(timer);
      const value = input.value.trim();
      if (state.filters[input.name] === value) return;
      state.filters[input.name] = value;
      filtersChanged();
    };
    input.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(apply, 350);
    });
    input.addEventListener('change', apply);
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') apply();
      if (event.key === 'Escape') {
        // Leave the field for the shortcuts, keeping what was typed (a search field would clear it).
        event.preventDefault();
        apply();
        input.blur();
      }
    });
  }

  els.selectAll.addEventListener('change', () => {
    if (els.selectAll.checked) for (const item of state.items) state.checked.add(item.id);
    else state.checked.clear();
    renderSelection();
  });
  els.bulkApprove.addEventListener('click', () => bulkDecide('approve'));
  els.bulkReject.addEventListener('click', () => bulkDecide('reject'));
  els.loadMore.addEventListener('click', loadMore);

  els.decisionForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const action = event.submitter?.value === 'reject' ? 'reject' : 'approve';
    decideCurrent(action);
  });

  document.addEventListener('keydown', onShortcut);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && state.me) poll();
  });
  window.addEventListener('pagehide', () => {
    // Let the next moderator have it at once rather than in five minutes.
    if (state.detail?.claim?.mine) del(`/v1/moderation/comments/${enc(state.detail.id)}/claim`, { keepalive: true }).catch(() => {});
  });
}

function onShortcut(event) {
  if (!state.me || event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
  if (els.helpDialog.open) return; // the dialog handles Esc itself
  if (isTypingTarget(event.target)) return;
  const key = event.key;
  if (key === '?') {
    event.preventDefault();
    openHelp();
  } else if (key === 'j' || key === 'k') {
    event.preventDefault();
    move(key === 'j' ? 1 : -1);
  } else if (key === 'a' || key === 'r') {
    if (!state.currentId) return;
    event.preventDefault();
    decideCurrent(key === 'a' ? 'approve' : 'reject');
  } else if (key === 'x') {
    if (!state.currentId) return;
    event.preventDefault();
    toggleChecked(state.currentId);
  } else if (/^[1-5]$/.test(key)) {
    event.preventDefault();
    switchTab(STATUSES[Number(key) - 1], { focusTab: false });
  }
}

function openHelp() {
  if (!els.helpDialog.open) els.helpDialog.showModal();
}

// ─── URL state ──────────────────────────────────────────────────────────────────────────────

function readUrlState() {
  const params = new URLSearchParams(location.search);
  const tab = params.get('status');
  if (STATUSES.includes(tab)) state.tab = tab;
  for (const key of FILTER_KEYS) {
    const value = params.get(key);
    if (value !== null) state.filters[key] = value;
  }
  if (!['oldest', 'newest', 'score'].includes(state.filters.sort)) state.filters.sort = 'oldest';
}

function writeUrlState() {
  const params = new URLSearchParams();
  if (state.tab !== 'held') params.set('status', state.tab);
  for (const key of FILTER_KEYS) {
    const value = state.filters[key];
    if (value && !(key === 'sort' && value === 'oldest')) params.set(key, value);
  }
  const query = params.toString();
  history.replaceState(null, '', `${location.pathname}${query ? `?${query}` : ''}`);
}

// ─── tabs and filters ───────────────────────────────────────────────────────────────────────

function renderTabs() {
  if (!els.tabs.childElementCount) {
    for (const [index, status] of STATUSES.entries()) {
      const tab = h(
        'button',
        {
          type: 'button',
          role: 'tab',
          id: `tab-${status}`,
          class: 'tab',
          'aria-controls': 'queue-pane',
          'aria-keyshortcuts': String(index + 1),
          dataset: { status },
          onclick: () => switchTab(status),
          onkeydown: onTabKeydown,
        },
        h('span', { class: 'tab-label', text: STATUS_LABELS[status] }),
        h('span', { class: 'tab-count', dataset: { count: status } }),
      );
      els.tabs.append(tab);
    }
  }
  for (const tab of els.tabs.children) {
    const selected = tab.dataset.status === state.tab;
    tab.setAttribute('aria-selected', String(selected));
    tab.tabIndex = selected ? 0 : -1;
    tab.classList.toggle('is-selected', selected);
  }
  els.queuePane.setAttribute('aria-labelledby', `tab-${state.tab}`);
  els.queueHeading.textContent = `${STATUS_LABELS[state.tab]} comments`;
  els.queueList.setAttribute('aria-label', `${STATUS_LABELS[state.tab]} comments`);
  renderCounts();
}

function onTabKeydown(event) {
  const index = STATUSES.indexOf(event.currentTarget.dataset.status);
  let next = null;
  if (event.key === 'ArrowRight') next = (index + 1) % STATUSES.length;
  else if (event.key === 'ArrowLeft') next = (index - 1 + STATUSES.length) % STATUSES.length;
  else if (event.key === 'Home') next = 0;
  else if (event.key === 'End') next = STATUSES.length - 1;
  if (next === null) return;
  event.preventDefault();
  switchTab(STATUSES[next], { focusTab: true });
}

function renderCounts() {
  for (const status of STATUSES) {
    const badge = els.tabs.querySelector(`[data-count="${status}"]`);
    const tab = byId(`tab-${status}`);
    const n = state.counts[status];
    badge.textContent = Number.isFinite(n) ? formatCount(n) : '';
    badge.classList.toggle('is-zero', !n);
    tab.setAttribute('aria-label', Number.isFinite(n) ? `${STATUS_LABELS[status]}, ${n}` : STATUS_LABELS[status]);
  }
  const held = state.counts.held;
  document.title = `${Number.isFinite(held) && held > 0 ? `(${held}) ` : ''}${STATUS_LABELS[state.tab]} · Threadkeeper`;
}

function formatCount(n) {
  return n >= 10_000 ? `${Math.floor(n / 1000)}k` : String(n);
}

function switchTab(status, { focusTab = false } = {}) {
  if (!STATUSES.includes(status)) return;
  if (status !== state.tab) {
    state.tab = status;
    state.checked.clear();
    renderTabs();
    filtersChanged();
  }
  if (focusTab) byId(`tab-${status}`).focus();
}

function renderFilterControls() {
  const siteOptions = [{ value: '', label: 'All sites' }, ...state.sites.map((s) => ({ value: s.id, label: s.name || s.slug || s.id }))];
  if (state.filters.siteId && !state.sites.some((s) => s.id === state.filters.siteId)) {
    siteOptions.push({ value: state.filters.siteId, label: state.filters.siteId });
  }
  setOptions(els.filterSite, siteOptions, state.filters.siteId);
  const categoryOptions = [{ value: '', label: 'Any category' }, ...CATEGORIES.map((c) => ({ value: c, label: humanize(c) }))];
  if (state.filters.category && !CATEGORIES.includes(state.filters.category)) {
    categoryOptions.push({ value: state.filters.category, label: state.filters.category });
  }
  setOptions(els.filterCategory, categoryOptions, state.filters.category);
  els.filterArticle.value = state.filters.articleId;
  els.filterReason.value = state.filters.reason;
  els.filterSort.value = state.filters.sort;
  if (!els.reasonSuggestions.childElementCount) {
    els.reasonSuggestions.append(...REASON_HINTS.map((code) => h('option', { value: code })));
  }
  els.filterSite.closest('.field').hidden = state.sites.length === 1 && !state.filters.siteId;
}

function filtersChanged() {
  state.version += 1;
  state.nextCursor = null;
  writeUrlState();
  reloadQueue();
}

function renderReasonSelects() {
  const approve = state.reasonCodes.filter((r) => r.action === 'approve');
  const reject = state.reasonCodes.filter((r) => r.action === 'reject');
  const toOptions = (codes) => codes.map((r) => ({ value: r.code, label: r.label || humanize(r.code) }));
  setOptions(els.approveReason, [{ value: '', label: 'No reason' }, ...toOptions(approve)], '');
  setOptions(els.rejectReason, [{ value: '', label: 'No reason' }, ...toOptions(reject)], '');
  setOptions(els.bulkReason, [
    { value: '', label: 'No reason' },
    ...(approve.length ? [{ group: 'When approving', options: toOptions(approve) }] : []),
    ...(reject.length ? [{ group: 'When rejecting', options: toOptions(reject) }] : []),
  ], '');
}

// ─── loading the queue ──────────────────────────────────────────────────────────────────────

function queueQuery(cursor) {
  const params = new URLSearchParams({ status: state.tab, sort: state.filters.sort, limit: String(PAGE_SIZE) });
  for (const key of ['siteId', 'articleId', 'category', 'reason']) if (state.filters[key]) params.set(key, state.filters[key]);
  if (cursor) params.set('cursor', cursor);
  return `/v1/moderation/queue?${params}`;
}

async function reloadQueue() {
  const version = state.version;
  const keep = state.currentId;
  state.loading = true;
  state.items = [];
  state.pages = 0;
  state.nextCursor = null;
  state.checked.clear();
  renderQueue();
  try {
    const page = await get(queueQuery(null));
    if (version !== state.version || !state.me) return;
    state.items = page.items ?? [];
    state.pages = 1;
    state.nextCursor = page.nextCursor ?? null;
    state.counts = page.counts ?? state.counts;
    state.error = null;
  } catch (error) {
    if (version !== state.version) return;
    state.error = messageOf(error);
  } finally {
    if (version === state.version) {
      state.loading = false;
      // The open comment stays open when the new view still lists it; otherwise it is let go.
      if (keep && !state.items.some((i) => i.id === keep)) {
        clearTimeout(state.openTimer);
        releaseClaim();
        state.currentId = null;
        state.detail = null;
        state.detailFor = null;
        renderDetail();
      }
      state.lastIndex = 0;
      renderCounts();
      renderQueue();
      els.queueScroll.scrollTop = 0;
      if (state.currentId) cards.get(state.currentId)?.article.scrollIntoView({ block: 'nearest' });
    }
  }
}

async function loadMore() {
  if (!state.nextCursor) return;
  const version = state.version;
  els.loadMore.disabled = true;
  try {
    const page = await get(queueQuery(state.nextCursor));
    if (version !== state.version) return;
    const known = new Set(state.items.map((i) => i.id));
    state.items.push(...(page.items ?? []).filter((i) => !known.has(i.id)));
    state.pages += 1;
    state.nextCursor = page.nextCursor ?? null;
    if (page.counts) state.counts = page.counts;
    renderCounts();
    renderQueue();
  } catch (error) {
    toast(`Could not load more: ${messageOf(error)}`, 'error');
  } finally {
    els.loadMore.disabled = false;
  }
}

function startPolling() {
  stopPolling();
  state.polling = setInterval(poll, POLL_MS);
  state.claimTimer = setInterval(renewClaim, CLAIM_RENEW_MS);
  state.clockTimer = setInterval(refreshAges, 30_000);
}

function stopPolling() {
  clearInterval(state.polling);
  clearInterval(state.claimTimer);
  clearInterval(state.clockTimer);
  state.polling = null;
}

/** "just now" becomes "3 min ago" without rebuilding anything. */
function refreshAges() {
  for (const time of document.querySelectorAll('time.ago')) time.textContent = formatAgo(time.dateTime);
}

/** Refreshes the first page and the counts, merging into what is shown: selection and scroll stay. */
async function poll() {
  if (!state.me || state.pollBusy || state.loading || document.visibilityState === 'hidden') return;
  const version = state.version;
  state.pollBusy = true;
  try {
    const page = await get(queueQuery(null));
    if (version !== state.version || !state.me) return;
    els.liveIndicator.classList.remove('is-offline');
    els.liveIndicator.textContent = 'Live';
    state.error = null;
    state.counts = page.counts ?? state.counts;
    mergeFirstPage(page.items ?? [], page.nextCursor ?? null);
    renderCounts();
  } catch (error) {
    if (error.status !== 401) {
      els.liveIndicator.classList.add('is-offline');
      els.liveIndicator.textContent = 'Offline';
    }
  } finally {
    state.pollBusy = false;
  }
}

function mergeFirstPage(fresh, nextCursor) {
  const now = Date.now();
  for (const [id, at] of state.recentlyDecided) if (now - at > 15_000) state.recentlyDecided.delete(id);
  fresh = fresh.filter((item) => !state.recentlyDecided.has(item.id));
  const before = new Set(state.items.map((i) => i.id));
  const freshIds = new Set(fresh.map((i) => i.id));
  let merged = fresh;
  if (state.pages > 1) {
    // Keep what later pages brought in, minus anything that now shows on the first page.
    const firstPageBefore = new Set(state.items.slice(0, PAGE_SIZE).map((i) => i.id));
    merged = [...fresh, ...state.items.filter((i) => !freshIds.has(i.id) && !firstPageBefore.has(i.id))];
  } else {
    state.nextCursor = nextCursor;
  }
  const added = merged.filter((i) => !before.has(i.id));
  state.items = merged;
  const mergedIds = new Set(merged.map((i) => i.id));
  for (const id of state.checked) if (!mergedIds.has(id)) state.checked.delete(id);
  renderQueue({ newIds: new Set(added.map((i) => i.id)) });
  if (added.length && before.size) announce(`${plural(added.length, 'new comment')} in ${STATUS_LABELS[state.tab]}.`);

  // The open comment: follow its claim, or say that it left this queue.
  if (state.detailFor) {
    const listed = state.items.find((i) => i.id === state.detailFor);
    if (listed && state.detail) {
      state.detail = { ...state.detail, claim: listed.claim ?? null };
      renderClaim();
    }
    els.detail.querySelector('.left-queue')?.toggleAttribute('hidden', Boolean(listed));
  }
}

// ─── the queue list ─────────────────────────────────────────────────────────────────────────

function renderQueue({ newIds = new Set() } = {}) {
  const scroller = els.queueScroll;
  const anchor = findScrollAnchor();
  const anchorTop = anchor?.getBoundingClientRect().top ?? 0;
  const focusedId = document.activeElement?.closest?.('[data-card]')?.dataset.card ?? null;
  const focusedIsCheckbox = document.activeElement?.classList?.contains('card-check') ?? false;

  const wanted = new Set(state.items.map((i) => i.id));
  for (const [id, card] of cards) {
    if (!wanted.has(id)) {
      card.li.remove();
      cards.delete(id);
    }
  }
  let cursor = els.queueList.firstElementChild;
  for (const item of state.items) {
    let card = cards.get(item.id);
    const signature = JSON.stringify(item);
    if (!card) {
      card = buildCard(item);
      cards.set(item.id, card);
      if (newIds.has(item.id)) {
        card.li.classList.add('is-new');
        setTimeout(() => card.li.classList.remove('is-new'), 4000);
      }
    } else if (card.signature !== signature) {
      const rebuilt = buildCard(item);
      card.li.replaceWith(rebuilt.li);
      if (cursor === card.li) cursor = rebuilt.li;
      card = rebuilt;
      cards.set(item.id, card);
    }
    card.signature = signature;
    if (card.li !== cursor) els.queueList.insertBefore(card.li, cursor);
    else cursor = cursor.nextElementSibling;
  }
  renderSelection();

  if (anchor?.isConnected) scroller.scrollTop += anchor.getBoundingClientRect().top - anchorTop;
  if (focusedId && cards.has(focusedId) && !document.activeElement?.closest?.('[data-card]')) {
    const card = cards.get(focusedId);
    (focusedIsCheckbox ? card.checkbox : card.article).focus({ preventScroll: true });
  }

  const empty = !state.loading && !state.items.length;
  els.queueEmpty.hidden = !(empty || state.loading || state.error);
  els.queueEmpty.classList.toggle('is-error', Boolean(state.error));
  els.queueEmpty.textContent = state.loading
    ? 'Loading…'
    : state.error
      ? `Could not load the queue: ${state.error}. Retrying…`
      : emptyMessage();
  els.loadMore.hidden = !state.nextCursor;
}

function emptyMessage() {
  const filtered = ['siteId', 'articleId', 'category', 'reason'].some((k) => state.filters[k]);
  if (filtered) return `No ${state.tab} comments match these filters.`;
  if (state.tab === 'held' || state.tab === 'reported') return `Nothing ${state.tab}. New comments appear here by themselves.`;
  return `No ${state.tab} comments.`;
}

function findScrollAnchor() {
  const top = els.queueScroll.getBoundingClientRect().top;
  for (const card of els.queueList.children) {
    if (card.getBoundingClientRect().bottom > top) return card;
  }
  return null;
}

function buildCard(item) {
  const author = item.author ?? {};
  const name = author.name || 'Anonymous';
  const decision = item.decision;
  const reasons = decision?.reasons ?? [];
  const titleId = `card-title-${item.id}`;
  const metaId = `card-meta-${item.id}`;

  const checkbox = h('input', {
    type: 'checkbox',
    class: 'card-check',
    tabIndex: -1,
    'aria-label': `Select the comment by ${name}`,
    onchange: (event) => toggleChecked(item.id, event.target.checked),
    onclick: (event) => event.stopPropagation(),
  });
  const site = state.sites.length > 1 ? state.sites.find((s) => s.id === item.siteId) : null;
  const claim = item.claim;
  const article = h(
    'article',
    {
      class: ['card', claim && !claim.mine && 'is-claimed'],
      tabIndex: -1,
      'aria-labelledby': `${titleId} ${metaId}`,
      dataset: { card: item.id },
      onclick: () => setCurrent(item.id, { focus: true }),
      onfocus: (event) => {
        if (event.target === event.currentTarget && state.currentId !== item.id) setCurrent(item.id);
      },
    },
    h(
      'div',
      { class: 'card-head' },
      checkbox,
      h('span', { class: 'card-author', id: titleId, text: name }),
      trustBadge(author.trust),
      h('span', { class: 'card-record', text: authorRecord(author) }),
      h('span', { class: 'spacer' }),
      item.reportCount > 0 && h('span', { class: 'badge badge-report', text: plural(item.reportCount, 'report') }),
      claim && h('span', {
        class: ['badge', claim.mine ? 'badge-mine' : 'badge-claim'],
        text: claim.mine ? 'Claimed by you' : `Claimed by ${claim.name || claim.by}`,
        title: claimText(claim),
      }),
      h('time', { id: metaId, class: 'card-time ago', datetime: item.createdAt, title: formatDateTime(item.createdAt), text: formatAgo(item.createdAt) }),
    ),
    h(
      'div',
      { class: 'card-article' },
      'on ',
      h('span', { class: 'card-article-title', text: item.article?.title || item.article?.id || 'an article' }),
      site && h('span', { class: 'card-site', text: ` · ${site.name}` }),
      item.parent && h('span', { class: 'card-reply', text: ` · reply to ${item.parent.author?.name || 'a comment'}` }),
    ),
    h('p', { class: 'card-body' }, highlightedBody(item.body, reasons)),
    reasons.length > 0 &&
      h(
        'ul',
        { class: 'chips', 'aria-label': 'Reasons' },
        uniqueBy(reasons, (r) => r.code).slice(0, 4).map((r) =>
          h('li', { class: ['chip', categoryClass(r.category)], title: r.message || '', text: reasonLabel(r) }),
        ),
      ),
  );
  const li = h('li', { class: 'card-item', dataset: { id: item.id } }, article);
  return { li, article, checkbox, signature: '' };
}

function uniqueBy(list, key) {
  const seen = new Set();
  return list.filter((x) => (seen.has(key(x)) ? false : seen.add(key(x))));
}

const REASON_LABELS = {
  'policy.premoderation': 'pre-moderation',
  'author.new': 'new author',
  'author.always_hold': 'author on hold',
  'author.banned': 'banned author',
  'reports.threshold': 'reported',
};

/** A short name for a reason: its category, and what in it when that says more. */
function reasonLabel(reason) {
  const code = String(reason.code ?? '');
  if (REASON_LABELS[code]) return REASON_LABELS[code];
  const category = humanize(reason.category || code.split('.')[0]);
  const dot = code.indexOf('.');
  const what = humanize(dot >= 0 ? code.slice(dot + 1) : '');
  return what && what !== category && !['match', 'threshold', 'insult'].includes(what) ? `${category}: ${what}` : category;
}

/** The engine can give the same reason twice (two lists with one term): show it once. */
function distinctReasons(reasons) {
  return uniqueBy(reasons ?? [], (r) => `${r.code}|${r.message}|${JSON.stringify(r.spans ?? [])}`);
}

function authorRecord(author) {
  const approved = author.approvedCount ?? 0;
  const rejected = author.rejectedCount ?? 0;
  if (!approved && !rejected) return 'no history';
  return rejected ? `${approved} approved · ${rejected} rejected` : `${approved} approved`;
}

function trustBadge(trust) {
  if (!trust) return null;
  return h('span', { class: ['badge', `trust-${trust === 'banned' || trust === 'trusted' ? trust : 'hold'}`], text: TRUST_LABELS[trust] ?? trust });
}

/** Current card, checked cards and the bulk bar, without rebuilding cards. */
function renderSelection() {
  for (const [id, card] of cards) {
    const current = id === state.currentId;
    const checked = state.checked.has(id);
    card.article.classList.toggle('is-current', current);
    card.article.classList.toggle('is-checked', checked);
    if (current) card.article.setAttribute('aria-current', 'true');
    else card.article.removeAttribute('aria-current');
    card.article.tabIndex = current ? 0 : -1;
    card.checkbox.tabIndex = current ? 0 : -1;
    card.checkbox.checked = checked;
  }
  // With nothing current, the first card is where Tab lands.
  if (!state.currentId || !cards.has(state.currentId)) {
    const first = state.items[0] && cards.get(state.items[0].id);
    if (first) first.article.tabIndex = 0;
  }
  const n = state.checked.size;
  els.selectedCount.textContent = `${n} selected`;
  els.bulkApprove.disabled = n === 0;
  els.bulkReject.disabled = n === 0;
  els.selectAll.checked = n > 0 && n >= state.items.length;
  els.selectAll.indeterminate = n > 0 && n < state.items.length;
  els.selectAll.disabled = state.items.length === 0;
}

function toggleChecked(id, value) {
  const next = value ?? !state.checked.has(id);
  if (next) state.checked.add(id);
  else state.checked.delete(id);
  renderSelection();
}

function move(delta) {
  if (!state.items.length) return;
  const at = state.items.findIndex((i) => i.id === state.currentId);
  let index;
  if (at >= 0) index = at + delta;
  else if (!state.currentId) index = delta > 0 ? Math.min(state.lastIndex, state.items.length - 1) : state.items.length - 1;
  else index = delta > 0 ? state.lastIndex : state.lastIndex - 1; // the open one left the list: its place
  index = Math.max(0, Math.min(state.items.length - 1, index));
  setCurrent(state.items[index].id, { focus: true });
}

function setCurrent(id, { focus = false } = {}) {
  const changed = id !== state.currentId;
  state.currentId = id;
  const index = state.items.findIndex((i) => i.id === id);
  if (index >= 0) state.lastIndex = index;
  renderSelection();
  const card = id && cards.get(id);
  if (card) {
    if (focus && document.activeElement !== card.article && document.activeElement !== card.checkbox) card.article.focus({ preventScroll: true });
    card.article.scrollIntoView({ block: 'nearest' });
  }
  if (changed) openComment(id);
}

// ─── the open comment ───────────────────────────────────────────────────────────────────────

function openComment(id) {
  clearTimeout(state.openTimer);
  if (state.detailFor && state.detailFor !== id) releaseClaim();
  state.detailFor = id;
  state.audit = null;
  state.author = null;
  const listed = state.items.find((i) => i.id === id) ?? null;
  state.detail = listed ? { ...listed, history: null } : null;
  resetDecisionForm();
  renderDetail({ scrollTop: true });
  if (!id) return;
  // Walking through the list with j/k should not claim everything passed over.
  state.openTimer = setTimeout(() => loadDetail(id), OPEN_DELAY_MS);
}

async function loadDetail(id) {
  try {
    const [detail, audit] = await Promise.all([
      get(`/v1/moderation/comments/${enc(id)}`),
      get(`/v1/moderation/audit?commentId=${enc(id)}`).catch((error) => ({ error })),
    ]);
    if (state.detailFor !== id) {
      if (detail.claim?.mine) del(`/v1/moderation/comments/${enc(id)}/claim`).catch(() => {});
      return;
    }
    state.detail = detail;
    state.audit = audit;
    const listed = state.items.find((i) => i.id === id);
    if (listed) {
      // Keep the list's copy in step (claim, counts) without rebuilding the whole card for history.
      const { history: _history, ...rest } = detail;
      Object.assign(listed, rest);
      renderQueue();
    }
    renderDetail();
  } catch (error) {
    if (state.detailFor !== id) return;
    if (state.detail) {
      state.detail = { ...state.detail, history: state.detail.history ?? [] };
      state.audit = { error };
      renderDetail();
    }
    if (error.status === 404) toast('That comment no longer exists.', 'error');
    else toast(`Could not open the comment: ${messageOf(error)}`, 'error');
  }
}

async function releaseClaim() {
  const detail = state.detail;
  if (!detail?.claim?.mine) return;
  detail.claim = null;
  const listed = state.items.find((i) => i.id === detail.id);
  if (listed?.claim?.mine) {
    listed.claim = null;
    renderQueue();
  }
  try {
    await del(`/v1/moderation/comments/${enc(detail.id)}/claim`);
  } catch {
    // It expires by itself.
  }
}

async function renewClaim() {
  const detail = state.detail;
  if (!detail?.claim?.mine || document.visibilityState === 'hidden') return;
  const left = new Date(detail.claim.expiresAt).getTime() - Date.now();
  if (left > 2.5 * 60_000) return;
  try {
    const answer = await post(`/v1/moderation/comments/${enc(detail.id)}/claim`);
    if (state.detail?.id === detail.id && answer?.claim) {
      state.detail.claim = answer.claim;
      renderClaim();
    }
  } catch (error) {
    if (error.status === 409) toast(error.message, 'error');
  }
}

function claimText(claim) {
  if (!claim) return '';
  const until = formatClock(claim.expiresAt);
  return claim.mine ? `Claimed by you until ${until}` : `Claimed by ${claim.name || claim.by} until ${until}`;
}

function renderClaim() {
  const claim = state.detail?.claim ?? null;
  const theirs = Boolean(claim && !claim.mine);
  els.claimBanner.textContent = claim ? claimText(claim) : state.detail?.history ? 'Not claimed' : '';
  els.claimBanner.className = ['claim', claim?.mine && 'is-mine', theirs && 'is-theirs'].filter(Boolean).join(' ');
  els.approveButton.disabled = theirs;
  els.rejectButton.disabled = theirs;
  els.approveButton.title = theirs ? `${claim.name || claim.by} is reviewing this comment` : '';
  els.rejectButton.title = els.approveButton.title;
}

function resetDecisionForm() {
  els.decisionNote.value = '';
  els.approveReason.value = '';
  els.rejectReason.value = suggestRejectReason(state.detail) ?? '';
}

/** Reject codes for the engine's categories, when the API offers them. */
const CATEGORY_REJECT_CODES = {
  insult: 'insult', profanity: 'insult', identity_attack: 'hate', threat: 'threat', self_harm: 'other', spam: 'spam',
};

/** The reject reason that fits the category that held the comment, if any. */
function suggestRejectReason(item) {
  const categories = (item?.decision?.reasons ?? []).map((r) => String(r.category ?? '').toLowerCase()).filter(Boolean);
  const reject = state.reasonCodes.filter((r) => r.action === 'reject');
  for (const category of categories) {
    const mapped = reject.find((r) => r.code === CATEGORY_REJECT_CODES[category]);
    if (mapped) return mapped.code;
    const words = category.split('_');
    const named = reject.find((r) => {
      const text = `${r.code} ${r.label}`.toLowerCase();
      return text.includes(category) || words.every((w) => text.includes(w));
    });
    if (named) return named.code;
  }
  return null;
}

/** A person's name for an actor id (`moderator:<id>`), from what the audit trail says. */
function actorName(actor, fallback) {
  if (!actor) return fallback || 'system';
  if (state.me && actor === `moderator:${state.me.id}`) return 'you';
  const entry = (state.audit?.items ?? []).find((e) => e.actor === actor && e.actorName);
  if (entry) return entry.actorName;
  if (String(actor).startsWith('key:')) return 'an API key';
  return fallback && fallback !== 'moderator' ? fallback : 'a moderator';
}

function renderDetail({ scrollTop = false } = {}) {
  const item = state.detail;
  els.detailEmpty.hidden = Boolean(item);
  els.detail.hidden = !item;
  els.decisionForm.hidden = !item;
  if (!item) {
    clear(els.detail);
    return;
  }
  const author = item.author ?? {};
  const reasons = item.decision?.reasons ?? [];
  const articleUrl = safeHttpUrl(item.article?.url);
  const articleTitle = item.article?.title || item.article?.id || 'Untitled article';
  const site = state.sites.find((s) => s.id === item.siteId);
  const listed = state.items.some((i) => i.id === item.id);

  // append() skips the null/false of absent parts (replaceChildren would print "null").
  append(clear(els.detail), [
    h('p', { class: 'left-queue notice', hidden: listed || item.history === null, text: `This comment is no longer in the ${STATUS_LABELS[state.tab]} queue.` }),
    h(
      'header',
      { class: 'detail-head' },
      h(
        'h2',
        { class: 'detail-title', id: 'detail-heading' },
        h('span', { class: 'visually-hidden', text: 'Comment by ' }),
        h('span', { text: author.name || 'Anonymous' }),
      ),
      trustBadge(author.trust),
      h('span', { class: ['badge', `status-${STATUSES.includes(item.status) ? item.status : 'other'}`], text: item.status }),
      h('span', { class: 'spacer' }),
      h('time', { class: 'muted ago', datetime: item.createdAt, title: formatDateTime(item.createdAt), text: formatAgo(item.createdAt) }),
    ),
    h(
      'p',
      { class: 'detail-article' },
      'On ',
      articleUrl
        ? h('a', { href: articleUrl, target: '_blank', rel: 'noopener noreferrer', text: articleTitle })
        : h('span', { class: 'article-title', text: articleTitle }),
      !articleUrl && item.article?.url && h('span', { class: 'muted', text: ` (link not shown: ${item.article.url})` }),
      site && h('span', { class: 'muted', text: ` · ${site.name}` }),
      h('span', { class: 'muted', text: ` · #${item.externalId}` }),
      item.revision > 1 && h('span', { class: 'muted', text: ` · edited (revision ${item.revision})` }),
    ),
    item.parent &&
      h(
        'figure',
        { class: 'parent' },
        h('figcaption', {}, 'In reply to ', h('strong', { text: item.parent.author?.name || 'a reader' })),
        h('blockquote', { class: 'parent-body', text: item.parent.body ?? '' }),
      ),
    h('div', { class: 'detail-body', 'aria-label': 'Comment text' }, highlightedBody(item.body, reasons)),
    renderReasons(item),
    authorSectionFor(item),
    renderAudit(item),
  ]);
  renderClaim();
  if (scrollTop) els.detailScroll.scrollTop = 0;
}

function renderReasons(item) {
  const decision = item.decision;
  if (!decision) return h('section', { class: 'section' }, h('h3', { text: 'Why it is here' }), h('p', { class: 'muted', text: 'No decision yet: the check has not run.' }));
  const reasons = distinctReasons(decision.reasons);
  const scores = Object.entries(decision.scores ?? {}).filter(([, v]) => Number.isFinite(v));
  return h(
    'section',
    { class: 'section', 'aria-labelledby': 'reasons-heading' },
    h(
      'h3',
      { id: 'reasons-heading' },
      'Why it is here ',
      h('span', { class: 'muted', text: `· ${decision.action} by ${actorName(decision.by, decision.decidedBy)} ${formatAgo(decision.createdAt)}` }),
    ),
    reasons.length
      ? h(
          'ul',
          { class: 'reasons' },
          reasons.map((r) =>
            h(
              'li',
              { class: 'reason' },
              h('span', { class: ['chip', categoryClass(r.category)], text: reasonLabel(r) }),
              h('span', { class: 'reason-message', text: r.message || humanize(r.code) }),
              h('code', { class: 'reason-code', text: r.code }),
              (r.spans ?? []).length > 0 &&
                h('span', { class: 'reason-spans' }, uniqueBy(r.spans, (s) => s.text).slice(0, 6).map((s) => h('q', { text: s.text }))),
            ),
          ),
        )
      : h('p', { class: 'muted', text: 'No reasons recorded.' }),
    scores.length > 0 &&
      h(
        'dl',
        { class: 'scores' },
        scores.map(([name, value]) =>
          h(
            'div',
            { class: 'score' },
            h('dt', { text: humanize(name) }),
            h('dd', {}, h('meter', { min: 0, max: 1, low: 0.5, high: 0.8, optimum: 0, value: Math.max(0, Math.min(1, value)), 'aria-label': `${humanize(name)} score` }), h('span', { text: value.toFixed(2) })),
          ),
        ),
      ),
  );
}

/**
 * The author section survives re-renders of the same comment (the full copy arriving after the
 * list's), so an open history, a chosen standing or a half-typed reason are not lost.
 */
let authorSection = null;
function authorSectionFor(item) {
  const author = item.author ?? {};
  if (authorSection?.commentId === item.id && authorSection.authorId === author.id) return authorSection.el;
  const el = renderAuthor(author);
  authorSection = { commentId: item.id, authorId: author.id, el };
  return el;
}

function renderAuthor(author) {
  const details = h(
    'details',
    {
      class: 'author-more',
      ontoggle: (event) => {
        if (event.target.open && !state.author) loadAuthor(author.id, details);
      },
    },
    h('summary', { text: 'History and standing' }),
    h('div', { class: 'author-more-body' }, h('p', { class: 'muted', text: 'Loading…' })),
  );
  return h(
    'section',
    { class: 'section author', 'aria-labelledby': 'author-heading' },
    h('h3', { id: 'author-heading' }, 'Author'),
    h(
      'p',
      { class: 'author-line' },
      h('strong', { text: author.name || 'Anonymous' }),
      ' ',
      trustBadge(author.trust),
      h('span', { class: 'muted', text: ` · ${author.externalId ?? ''}` }),
    ),
    h(
      'ul',
      { class: 'stats', 'aria-label': 'Author record' },
      h('li', {}, h('strong', { text: String(author.approvedCount ?? 0) }), ' approved'),
      h('li', {}, h('strong', { text: String(author.rejectedCount ?? 0) }), ' rejected'),
      h('li', {}, h('strong', { text: String(author.reportCount ?? 0) }), ' reports'),
      h('li', { text: accountAge(author.accountAgeDays) }),
    ),
    author.id ? details : null,
  );
}

async function loadAuthor(authorId, details) {
  const body = details.querySelector('.author-more-body');
  const forId = state.detailFor;
  try {
    const data = await get(`/v1/moderation/authors/${enc(authorId)}`);
    if (state.detailFor !== forId) return;
    state.author = data;
    append(clear(body), authorPanel(data));
  } catch (error) {
    body.replaceChildren(h('p', { class: 'notice is-error', text: `Could not load the author: ${messageOf(error)}` }));
  }
}

function authorPanel(data) {
  const author = data.author ?? {};
  const comments = data.comments ?? [];
  const audit = data.audit ?? [];
  const formId = `standing-${author.id}`;
  const radios = [
    ['', 'Normal', 'Checked like everyone'],
    ['trusted', 'Trusted', 'Skips holds'],
    ['always_hold', 'Always hold', 'Every comment waits for review'],
    ['banned', 'Banned', 'Every comment is rejected'],
  ];
  const current = author.trust ?? '';
  const rejectHeld = h('input', { type: 'checkbox', id: `${formId}-reject-held`, disabled: current !== 'banned' });
  const removePublished = h('input', { type: 'checkbox', id: `${formId}-remove-published`, disabled: current !== 'banned' });
  const reason = h('input', { type: 'text', id: `${formId}-reason`, maxlength: 500, required: true, autocomplete: 'off' });
  const message = h('p', { class: 'form-message', role: 'alert', hidden: true });
  const form = h(
    'form',
    {
      class: 'standing',
      'aria-labelledby': `${formId}-legend`,
      onsubmit: (event) => {
        event.preventDefault();
        const chosen = form.querySelector('input[name="standing"]:checked')?.value ?? '';
        const removal = chosen === 'banned' ? { rejectHeld: rejectHeld.checked, removePublished: removePublished.checked } : {};
        setStanding(author, chosen || null, reason.value.trim(), removal, { form, message, reason });
      },
      onchange: (event) => {
        for (const box of [rejectHeld, removePublished]) {
          if (event.target.name === 'standing') box.disabled = event.target.value !== 'banned';
          if (box.disabled) box.checked = false;
        }
      },
    },
    h(
      'fieldset',
      {},
      h('legend', { id: `${formId}-legend`, text: 'Standing' }),
      h(
        'div',
        { class: 'radio-row' },
        radios.map(([value, label, hint]) =>
          h(
            'label',
            { class: 'radio', title: hint },
            h('input', { type: 'radio', name: 'standing', value, checked: value === current }),
            ` ${label}`,
          ),
        ),
      ),
      h('label', { class: 'check' }, rejectHeld, ' Also reject their held comments'),
      h('label', { class: 'check' }, removePublished, ' Also take down their published comments'),
      h('label', { for: reason.id, text: 'Reason (required, kept in the audit trail)' }),
      h('div', { class: 'inline' }, reason, h('button', { type: 'submit', class: 'btn btn-primary btn-sm', text: 'Apply standing' })),
      message,
    ),
  );
  return [
    author.trustReason ? h('p', { class: 'muted', text: `Standing reason: ${author.trustReason}` }) : null,
    form,
    h('h4', { text: `Recent comments (${comments.length})` }),
    comments.length
      ? h(
          'ul',
          { class: 'history-list' },
          comments.slice(0, 20).map((c) =>
            h(
              'li',
              {},
              h('span', { class: ['badge', `status-${STATUSES.includes(c.status) ? c.status : 'other'}`], text: c.status }),
              h('time', { class: 'muted', datetime: c.createdAt, title: formatDateTime(c.createdAt), text: ` ${formatAgo(c.createdAt)} ` }),
              h('span', { class: 'history-body', text: truncate(c.body, 160) }),
            ),
          ),
        )
      : h('p', { class: 'muted', text: 'No other comments.' }),
    h('h4', { text: 'Standing changes' }),
    audit.length ? auditList(audit) : h('p', { class: 'muted', text: 'None.' }),
  ];
}

async function setStanding(author, standing, reason, removal, { form, message, reason: reasonInput }) {
  if (!reason) {
    message.hidden = false;
    message.textContent = 'Give a reason: it is kept in the audit trail.';
    reasonInput.focus();
    return;
  }
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  try {
    const body = { standing, reason, ...removal };
    const updated = await post(`/v1/moderation/authors/${enc(author.id)}/standing`, body);
    const trust = updated?.trust ?? updated?.author?.trust ?? standing;
    announce(`${author.name || 'The author'} is now ${standing ? TRUST_LABELS[standing] ?? standing : 'in normal standing'}.`);
    const removed = [removal.rejectHeld && 'held comments rejected', removal.removePublished && 'published comments taken down'].filter(Boolean);
    toast(`${author.name || 'Author'}: ${standing ? TRUST_LABELS[standing] : 'normal standing'}${removed.length ? `, ${removed.join(', ')}` : ''}.`, 'ok');
    for (const item of state.items) if (item.author?.id === author.id) item.author = { ...item.author, trust };
    if (state.detail?.author?.id === author.id) state.detail.author = { ...state.detail.author, trust };
    state.author = null;
    authorSection = null;
    renderDetail();
    const details = els.detail.querySelector('.author-more');
    if (details) details.open = true; // reloads the history, now with this change
    if (removal.rejectHeld || removal.removePublished) poll();
    else renderQueue();
  } catch (error) {
    message.hidden = false;
    message.textContent = messageOf(error);
  } finally {
    button.disabled = false;
  }
}

function renderAudit(item) {
  const history = item.history;
  const audit = state.audit;
  let content;
  if (history === null && audit === null) content = h('p', { class: 'muted', text: 'Loading…' });
  else {
    const parts = [];
    if (Array.isArray(history) && history.length) {
      parts.push(
        h(
          'ol',
          { class: 'timeline', 'aria-label': 'Decisions' },
          history.map((entry) =>
            h(
              'li',
              {},
              h('time', { datetime: entry.createdAt, title: formatDateTime(entry.createdAt), text: formatClockOrDate(entry.createdAt) }),
              h('span', { class: ['badge', `action-${['approve', 'reject', 'hold'].includes(entry.action) ? entry.action : 'other'}`], text: entry.action }),
              h('span', { text: `by ${actorName(entry.by, entry.decidedBy)}` }),
              (entry.reasons ?? []).length > 0 && h('span', { class: 'muted', text: `· ${uniqueBy(entry.reasons ?? [], (r) => r.code).map((r) => r.code).join(', ')}` }),
            ),
          ),
        ),
      );
    }
    if (audit?.error) parts.push(h('p', { class: 'notice is-error', text: `Audit trail unavailable: ${messageOf(audit.error)}` }));
    else if (audit?.items?.length) parts.push(auditList(audit.items));
    if (!parts.length) parts.push(h('p', { class: 'muted', text: 'No moderator actions yet.' }));
    content = parts;
  }
  return h(
    'section',
    { class: 'section', 'aria-labelledby': 'audit-heading' },
    h('h3', { id: 'audit-heading', text: 'Audit trail' }),
    content,
  );
}

function auditList(entries) {
  return h(
    'ol',
    { class: 'timeline audit', 'aria-label': 'Audit entries' },
    entries.map((entry) =>
      h(
        'li',
        {},
        h('time', { datetime: entry.at, title: formatDateTime(entry.at), text: formatClockOrDate(entry.at) }),
        h('strong', { text: entry.actorName || entry.actor || 'system' }),
        h('span', { text: ` ${AUDIT_ACTIONS[entry.action] ?? humanize(entry.action)}` }),
        describeChange(entry.before, entry.after),
        entry.reason && h('span', { class: 'audit-reason' }, ' — ', h('q', { text: String(entry.reason) })),
      ),
    ),
  );
}

const AUDIT_ACTIONS = {
  'comment.approve': 'approved the comment',
  'comment.reject': 'rejected the comment',
  'author.ban': 'banned the author',
  'author.trust': 'trusted the author',
  'author.always_hold': 'set the author to always hold',
  'author.clear_standing': "cleared the author's standing",
};

/** "held → rejected (spam)": the states an entry records, without the machinery. */
function describeChange(before, after) {
  const show = (value) => {
    if (value === null || value === undefined) return 'none';
    if (typeof value !== 'object') return humanize(value);
    const main = value.status ?? value.standing;
    if (main !== undefined) return main === null ? 'normal' : humanize(main);
    return truncate(JSON.stringify(value), 60);
  };
  if (before === undefined && after === undefined) return null;
  const extras = [];
  if (after && typeof after === 'object') {
    if (after.reasonCode) extras.push(humanize(after.reasonCode));
    if (after.rejectHeld === true) extras.push('held comments rejected');
  }
  return h('span', { class: 'muted', text: ` (${show(before)} → ${show(after)}${extras.length ? `, ${extras.join(', ')}` : ''})` });
}

function formatClockOrDate(iso) {
  const date = new Date(iso);
  return Date.now() - date.getTime() < 20 * 3600_000 ? formatClock(iso) : formatDateTime(iso);
}

function truncate(text, n) {
  const s = String(text ?? '');
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

// ─── decisions ──────────────────────────────────────────────────────────────────────────────

async function decideCurrent(action) {
  const id = state.currentId;
  if (!id) return;
  const claim = state.detail?.id === id ? state.detail.claim : state.items.find((i) => i.id === id)?.claim;
  if (claim && !claim.mine) {
    toast(`${claimText(claim)}: leave it to them, or wait until the claim ends.`, 'error');
    return;
  }
  const index = state.items.findIndex((i) => i.id === id);
  const item = state.items[index] ?? state.detail;
  const body = { action };
  const reasonCode = (action === 'approve' ? els.approveReason : els.rejectReason).value;
  if (reasonCode) body.reasonCode = reasonCode;
  const note = els.decisionNote.value.trim();
  if (note) body.note = note;

  // Optimistic: the next comment opens at once; the answer confirms or puts this one back.
  const leaves = leavesTab(action);
  const keepFocusInList = !document.activeElement || document.activeElement === document.body || Boolean(document.activeElement.closest?.('#queue-pane, #decision-form'));
  if (leaves && index >= 0) {
    state.recentlyDecided.set(id, Date.now());
    state.items.splice(index, 1);
    state.checked.delete(id);
    adjustCounts(action, -1);
    const next = state.items[Math.min(index, state.items.length - 1)];
    state.lastIndex = index;
    state.detail = null;
    renderQueue();
    if (next) setCurrent(next.id, { focus: keepFocusInList });
    else {
      state.currentId = null;
      openComment(null);
      els.queueList.focus();
    }
  }
  try {
    const updated = await post(`/v1/moderation/comments/${enc(id)}/decision`, body);
    announce(`${action === 'approve' ? 'Approved' : 'Rejected'} the comment by ${item?.author?.name || 'the author'}.`);
    if (leaves && index < 0 && state.currentId === id) {
      // It had already left the list (a refresh): go on to whatever took its place.
      state.detail = null;
      const next = state.items[Math.min(state.lastIndex, state.items.length - 1)];
      if (next) setCurrent(next.id, { focus: keepFocusInList });
      else {
        state.currentId = null;
        openComment(null);
      }
    }
    if (!leaves) {
      const listed = state.items.find((i) => i.id === id);
      if (listed && updated) Object.assign(listed, updated);
      if (state.detailFor === id && updated) state.detail = { ...state.detail, ...updated };
      renderQueue();
      if (state.detailFor === id) loadDetail(id);
    }
  } catch (error) {
    state.recentlyDecided.delete(id);
    if (leaves && index >= 0 && item && !state.items.some((i) => i.id === id)) {
      state.items.splice(Math.min(index, state.items.length), 0, item);
      adjustCounts(action, +1);
      renderQueue();
    }
    toast(error.status === 409 ? error.message : `Could not ${action} the comment: ${messageOf(error)}`, 'error');
    if (error.status === 409 || error.status === 404) poll();
  }
}

/** Whether a decision takes a comment out of the queue shown (the API's definitions of the queues). */
function leavesTab(action) {
  if (action === 'approve') return state.tab !== 'approved' && state.tab !== 'reported'; // reported = has reports, approved or held
  return state.tab !== 'rejected';
}

function adjustCounts(action, sign) {
  const target = action === 'approve' ? 'approved' : 'rejected';
  if (Number.isFinite(state.counts[state.tab])) state.counts[state.tab] = Math.max(0, state.counts[state.tab] + sign);
  if (Number.isFinite(state.counts[target]) && target !== state.tab) state.counts[target] = Math.max(0, state.counts[target] - sign);
  renderCounts();
}

async function bulkDecide(action) {
  const ids = state.items.filter((i) => state.checked.has(i.id)).map((i) => i.id);
  if (!ids.length) return;
  const code = els.bulkReason.value;
  const chosen = state.reasonCodes.find((r) => r.code === code);
  if (chosen && chosen.action !== action) {
    toast(`“${chosen.label || chosen.code}” is a reason for ${chosen.action === 'approve' ? 'approving' : 'rejecting'}: choose another reason or none.`, 'error');
    els.bulkReason.focus();
    return;
  }
  const body = { ids, action };
  if (code) body.reasonCode = code;
  els.bulkApprove.disabled = true;
  els.bulkReject.disabled = true;
  try {
    const answer = await post('/v1/moderation/decisions', body);
    const results = answer?.results ?? [];
    const done = results.filter((r) => r.ok).map((r) => r.id);
    const failed = results.filter((r) => !r.ok);
    for (const id of done) {
      state.checked.delete(id);
      state.recentlyDecided.set(id, Date.now());
    }
    if (leavesTab(action)) {
      const doneSet = new Set(done);
      const currentGone = doneSet.has(state.currentId);
      const firstIndex = state.items.findIndex((i) => doneSet.has(i.id));
      state.items = state.items.filter((i) => !doneSet.has(i.id));
      for (let n = 0; n < done.length; n++) adjustCounts(action, -1);
      renderQueue();
      if (currentGone) {
        state.detail = null;
        const next = state.items[Math.min(Math.max(firstIndex, 0), state.items.length - 1)];
        if (next) setCurrent(next.id);
        else openComment(null);
      }
    }
    const verb = action === 'approve' ? 'Approved' : 'Rejected';
    if (failed.length) {
      const why = [...new Set(failed.map((f) => f.error?.message || f.error?.error || 'failed'))].join('; ');
      toast(`${verb} ${done.length} of ${ids.length}. ${plural(failed.length, 'comment')} not changed: ${why}`, 'error');
    } else {
      toast(`${verb} ${plural(done.length, 'comment')}.`, 'ok');
      els.bulkReason.value = '';
    }
    announce(`${verb} ${plural(done.length, 'comment')}.`);
  } catch (error) {
    toast(`Bulk ${action} failed: ${messageOf(error)}`, 'error');
  } finally {
    renderSelection();
    poll();
  }
}

// ─── messages ───────────────────────────────────────────────────────────────────────────────

function announce(message) {
  els.announcer.textContent = '';
  setTimeout(() => {
    els.announcer.textContent = message;
  }, 30);
}

function toast(message, kind = 'info') {
  const close = h('button', { type: 'button', class: 'toast-close', 'aria-label': 'Dismiss', text: '×' });
  // Errors are alerts; other toasts are seen, and screen readers hear them through announce().
  const node = h('div', { class: ['toast', `toast-${kind}`], role: kind === 'error' ? 'alert' : null }, h('span', { text: message }), close);
  const remove = () => node.remove();
  close.addEventListener('click', remove);
  els.toasts.append(node);
  while (els.toasts.childElementCount > 4) els.toasts.firstElementChild.remove();
  setTimeout(remove, kind === 'error' ? 10_000 : 5_000);
}

function messageOf(error) {
  if (error instanceof ApiError) {
    const detail = error.details.map((d) => `${d.field} ${d.problem}`).join('; ');
    return detail && !error.message.includes(detail) ? `${error.message} (${detail})` : error.message;
  }
  return error?.message ?? String(error);
}

function enc(value) {
  return encodeURIComponent(String(value));
}
