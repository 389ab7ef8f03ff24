// Keap Gateway console: plain JavaScript over the admin API of the same origin. The admin token lives in this
// tab's sessionStorage only and travels as a bearer header, never in a URL. Every value from the server is put
// into the page as text (textContent), never as markup.
'use strict';

(function () {
  const TOKEN = 'keap-gateway.admin-token';
  const GENERAL_PRESETS = { 'read-only': 'Read everything (read-only)', full: 'Everything (full)' };
  const $ = (id) => document.getElementById(id);
  const enc = encodeURIComponent;
  let keys = [];
  let connections = [];
  /** Preset name -> the rules it stands for (GET /admin/scope-presets). */
  let presets = {};
  /** The next page of the activity shown (the Link header's address), or null on its last page. */
  let activityNext = null;
  /** GET /admin/info: every address shown for others (the contractor, Keap) is built from its public_url. */
  let info = null;

  // ---- small helpers ---------------------------------------------------------------------------------

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    Object.entries(props || {}).forEach(([name, value]) => {
      if (value === undefined || value === null || value === false) return;
      if (name === 'text') node.textContent = value;
      else if (name === 'class') node.className = value;
      else node.setAttribute(name, value === true ? '' : value);
    });
    children.flat(Infinity).forEach((child) => node.append(child));
    return node;
  }

  function when(iso) {
    return iso ? new Date(iso).toLocaleString() : '';
  }

  function say(text, isError) {
    $('message').replaceChildren(el('p', { class: isError ? 'error' : '', role: isError ? 'alert' : null, text }));
  }

  class SignedOut extends Error {}

  async function api(method, path, body) {
    return (await apiResponse(method, path, body)).data;
  }

  /** The answer's data and its headers (a page's Link to the next one). */
  async function apiResponse(method, path, body) {
    const headers = { Authorization: 'Bearer ' + sessionStorage.getItem(TOKEN) };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store', credentials: 'omit', redirect: 'error', referrerPolicy: 'no-referrer',
    });
    if (response.status === 401) {
      signOut('The gateway did not accept the admin token. Sign in again.', true);
      throw new SignedOut();
    }
    const text = await response.text();
    const data = text ? JSON.parse(text) : null;
    if (!response.ok) {
      throw new Error((data && data.detail) || 'The gateway answered ' + response.status + '.');
    }
    return { data, headers: response.headers };
  }

  /** Runs an action from a button or form: the control is disabled meanwhile, failures are shown. */
  async function act(control, work) {
    if (control) control.disabled = true;
    try {
      await work();
    } catch (error) {
      if (!(error instanceof SignedOut)) say(error.message, true);
    } finally {
      if (control) control.disabled = false;
    }
  }

  function onSubmit(form, work) {
    $(form).addEventListener('submit', (event) => {
      event.preventDefault();
      act(event.submitter || $(form).querySelector('button[type=submit]'), () => work($(form)));
    });
  }

  async function copy(field) {
    try {
      await navigator.clipboard.writeText(field.value);
      say('Copied.');
    } catch (refused) {
      field.select();
      say('Selected: press Ctrl+C (or Cmd+C) to copy.');
    }
  }

  function lines(text) {
    return text.split('\n').map((line) => line.trim()).filter((line) => line.length > 0);
  }

  // ---- signing in and out ------------------------------------------------------------------------------

  function show(signedIn) {
    $('sign-in').hidden = signedIn;
    $('app').hidden = !signedIn;
    $('sign-out').hidden = !signedIn;
  }

  function signOut(text, isError) {
    sessionStorage.removeItem(TOKEN);
    keys = [];
    connections = [];
    presets = {};
    activityNext = null;
    info = null;
    ['connections', 'preset-general', 'preset-families', 'activity-chart-bars', 'notify-channels', 'notify-result']
      .forEach((id) => $(id).replaceChildren());
    document.querySelectorAll('tbody, .key-choices, .oauth-connections, #key-connection')
      .forEach((node) => node.replaceChildren());
    $('audit-filter').replaceChildren(el('option', { value: '', text: 'every event' }));
    $('activity-chart').hidden = true;
    $('activity-more').hidden = true;
    hideNewKey();
    show(false);
    say(text, isError);
    $('admin-token').focus();
  }

  async function loadAll() {
    await Promise.all([loadInfo(), loadConnections(), loadPresets(), loadKeys(), loadAudit()]);
  }

  /**
   * The console may be opened at another address than the gateway's public one (an admin host, a
   * port-forward): the page's own origin is never shown to anyone else.
   */
  async function loadInfo() {
    info = await api('GET', '/admin/info');
    $('code-redirect').placeholder = info.redirect_uri;
    showChannels(info.notification_channels || []);
  }

  // ---- connections -------------------------------------------------------------------------------------

  /** The circuit breaker toward Keap on the replica that answered, in the owner's words. */
  const CIRCUIT_WORDS = {
    closed: 'Flowing normally',
    open: 'Paused: Keap kept failing, the gateway waits before trying again',
    half_open: 'Trying again after Keap failed',
  };

  const STATUS_WORDS = { connected: 'Connected', disconnected: 'Not connected', needs_reauth: 'Needs approval again' };

  /** What is wrong with a connection, in the owner's words, with what to do about it. */
  function problem(connection) {
    const error = connection.last_refresh_error || '';
    if (connection.status === 'needs_reauth') {
      return 'Keap no longer accepts the gateway\'s approval (it was withdrawn in Keap, or not used for too long). '
        + 'Press "Connect Keap" and approve again.' + (error ? ' Keap said: ' + error : '');
    }
    if (/invalid_client/.test(error)) {
      return 'Keap does not accept this app\'s client id and secret. Copy them again from Keap\'s developer portal '
        + '("My Apps") and save them under "Set up a connection".';
    }
    if (/redirect_uri/.test(error)) {
      return 'Keap refused the redirect URI. In your Keap app the redirect URI must be exactly the one shown below.';
    }
    if (error) {
      return 'The last token refresh failed (' + error + '). The gateway keeps trying; if this stays, press "Connect Keap".';
    }
    if (connection.status === 'disconnected') {
      return connection.mode === 'oauth'
        ? 'Not connected yet: enter the redirect URI below in your Keap app, then press "Connect Keap".'
        : 'No Service Account Key is saved for this connection.';
    }
    return '';
  }

  function meterLine(id, words, used, limit) {
    return el('p', {}, el('span', { id, text: words + ' ' }),
      el('meter', { min: 0, max: limit, value: Math.min(used, limit), 'aria-labelledby': id }));
  }

  function quota(connection) {
    const q = connection.quota;
    const box = el('div', { class: 'quota' }, el('h4', { text: 'Keap\'s quota, as Keap last reported it' }));
    if (!q) {
      box.append(el('p', { class: 'hint', text: 'Not reported yet: Keap reports it with every answer.' }));
      return box;
    }
    if (q.daily_limit) {
      const used = q.daily_used != null ? q.daily_used : q.daily_limit - (q.daily_available || 0);
      box.append(meterLine('quota-day-' + connection.name, 'Today: ' + used + ' of ' + q.daily_limit
        + ' used (' + (q.daily_available != null ? q.daily_available : q.daily_limit - used) + ' left).', used, q.daily_limit));
    }
    const minute = [...(q.throttle || []), ...(q.tenant_throttle || [])].find((w) => w.time_unit === 'minute' && w.limit);
    if (minute) {
      const used = minute.used != null ? minute.used : minute.limit - (minute.available || 0);
      box.append(meterLine('quota-minute-' + connection.name, 'This minute: ' + used + ' of ' + minute.limit + ' used.',
        used, minute.limit));
    }
    if (q.observed_at) box.append(el('p', { class: 'hint', text: 'Reported ' + when(q.observed_at) + '.' }));
    return box;
  }

  function connectionCard(c) {
    const oauth = c.mode === 'oauth';
    const rows = [['Signs in with', oauth ? 'Your Keap app (OAuth)' : 'A Service Account Key'],
      ['Keap account', c.tenant || 'not known yet']];
    if (oauth) {
      rows.push(['Access token valid until', when(c.access_token_expires_at) || '—'],
        ['Last refresh', when(c.last_refresh_at) || '—']);
    }
    rows.push(['Calls to Keap', CIRCUIT_WORDS[c.circuit] || c.circuit || '—']);
    const card = el('article', { class: 'card', 'data-connection': c.name, 'aria-label': 'Connection ' + c.name },
      el('h3', {}, c.name + ' ', el('span', { class: 'badge ' + c.status, 'data-status': c.status,
        text: STATUS_WORDS[c.status] || c.status })),
      el('dl', {}, rows.map(([term, value]) => [el('dt', { text: term }), el('dd', { text: value })])));
    const trouble = problem(c);
    if (trouble) card.append(el('p', { class: c.status === 'connected' ? 'advice' : 'problem', text: trouble }));
    if (oauth && c.redirect_uri) {
      const id = 'redirect-' + c.name;
      card.append(el('label', { for: id, text: 'Redirect URI to enter in your Keap app' }),
        el('div', { class: 'copy-row' }, el('input', { id, readonly: true, value: c.redirect_uri, spellcheck: 'false' }),
          el('button', { type: 'button', class: 'copy secondary', 'data-copy': id, text: 'Copy' })));
    }
    card.append(quota(c));
    const buttons = el('div', { class: 'actions' });
    if (oauth) {
      buttons.append(el('button', { type: 'button', 'data-action': 'connect',
        text: c.status === 'connected' ? 'Connect Keap again' : 'Connect Keap' }));
      if (c.status === 'connected') {
        buttons.append(el('button', { type: 'button', class: 'secondary', 'data-action': 'refresh', text: 'Refresh now' }),
          el('button', { type: 'button', class: 'danger', 'data-action': 'disconnect', text: 'Disconnect' }));
      }
    } else {
      buttons.append(el('button', { type: 'button', class: 'secondary', 'data-action': 'change-key', text: 'Replace the key' }));
    }
    buttons.append(el('button', { type: 'button', class: 'secondary', 'data-action': 'test', text: 'Test the connection' }));
    card.append(buttons, el('p', { class: 'test-result', role: 'status', 'aria-live': 'polite' }));
    return card;
  }

  async function loadConnections() {
    connections = await api('GET', '/admin/connections');
    const list = $('connections');
    list.replaceChildren(...connections.map(connectionCard));
    if (connections.length === 0) {
      list.append(el('p', { text: 'No connection yet. Set one up below.' }));
      $('setup').open = true;
    }
    const options = (only) => connections.filter(only).map((c) => el('option', { value: c.name, text: c.name }));
    document.querySelectorAll('.oauth-connections').forEach((select) => select.replaceChildren(...options((c) => c.mode === 'oauth')));
    $('key-connection').replaceChildren(...options(() => true));
    auditChoices();
  }

  /**
   * Sends the operator's browser to Keap's consent page through the gateway's start_url, which binds the
   * OAuth state to this browser with a cookie before redirecting (the callback refuses a state without it).
   */
  function openAuthorization(started) {
    window.location.assign(started.start_url);
  }

  async function connectionAction(button) {
    const name = button.closest('[data-connection]').dataset.connection;
    const path = '/admin/connections/' + enc(name);
    switch (button.dataset.action) {
      case 'connect':
        openAuthorization(await api('POST', path + '/authorize'));
        break;
      case 'refresh':
        await api('POST', path + '/refresh');
        say('The connection ' + name + ' was refreshed.');
        await loadConnections();
        break;
      case 'disconnect':
        if (!window.confirm('Disconnect ' + name + '? The gateway forgets its Keap tokens; every key of this connection '
          + 'stops working until you connect Keap again.')) return;
        await api('DELETE', path + '/tokens');
        say('The connection ' + name + ' was disconnected.');
        await loadConnections();
        break;
      case 'test':
        await testConnection(button.closest('[data-connection]'), name);
        break;
      case 'change-key':
        $('setup-name').value = name;
        document.querySelector('input[name=kind][value=api_key]').checked = true;
        setupKind();
        $('setup').open = true;
        $('setup-key').focus();
        break;
      default:
    }
  }

  /** One cheap Keap call through the gateway; the card tells what Keap said, or why the gateway did not call. */
  async function testConnection(card, name) {
    const result = card.querySelector('.test-result');
    result.className = 'test-result';
    result.textContent = 'Calling Keap…';
    try {
      const answer = await api('POST', '/admin/connections/' + enc(name) + '/test');
      result.classList.add(answer.ok ? 'ok' : 'problem');
      result.textContent = (answer.ok ? 'Keap answered: it works. ' : 'Keap refused the call: ')
        + answer.method + ' ' + answer.path + ' answered ' + answer.keap_status + ' in ' + answer.latency_ms + ' ms'
        + (answer.tenant ? ' (account ' + answer.tenant + ')' : '') + '.'
        + (answer.keap_said ? ' Keap said: ' + answer.keap_said : '');
    } catch (error) {
      result.classList.add('problem');
      result.textContent = 'The gateway did not call Keap: ' + error.message;
      if (error instanceof SignedOut) throw error;
    }
  }

  function setupKind() {
    const apiKey = document.querySelector('input[name=kind]:checked').value === 'api_key';
    $('setup-oauth').hidden = apiKey;
    $('setup-api-key').hidden = !apiKey;
  }

  // ---- keys --------------------------------------------------------------------------------------------

  async function loadPresets() {
    presets = await api('GET', '/admin/scope-presets');
    const names = Object.keys(presets);
    const families = names.filter((n) => n.endsWith(':read') && names.includes(n.replace(/:read$/, ':write')))
      .map((n) => n.replace(/:read$/, ''));
    const familyPresets = families.flatMap((f) => [f + ':read', f + ':write']);
    $('preset-general').replaceChildren(...names.filter((n) => !familyPresets.includes(n)).map((name) =>
      el('label', { class: 'choice' }, el('input', { type: 'checkbox', name: 'preset', value: name }),
        ' ' + (GENERAL_PRESETS[name] || name))));
    $('preset-families').replaceChildren(...families.map((family) => {
      const id = 'preset-' + family.replace(/[^a-z0-9]/g, '-');
      return el('div', {}, el('label', { for: id, text: family }),
        el('select', { id, name: 'family', 'data-family': family },
          el('option', { value: '', text: 'no access' }),
          el('option', { value: family + ':read', text: 'read' }),
          el('option', { value: family + ':write', text: 'read + write' })));
    }));
    showExpansion();
  }

  /** The presets and rules the form has chosen, in the form's order. */
  function chosenScopes() {
    const form = $('key-form');
    return [...form.querySelectorAll('input[name=preset]:checked')].map((box) => box.value)
      .concat([...form.querySelectorAll('select[name=family]')].map((select) => select.value).filter(Boolean))
      .concat(lines($('key-rules').value));
  }

  /** What the chosen presets stand for, rule by rule, so the owner sees what "contacts: read" really allows. */
  function showExpansion() {
    const chosen = chosenScopes();
    const rules = chosen.flatMap((scope) => presets[scope] || [scope]);
    $('key-expansion').textContent = chosen.length === 0 ? 'everything (no choice means full access)'
      : [...new Set(rules)].join(', ');
  }

  function limitsText(key) {
    const parts = [];
    parts.push(key.rate ? key.rate.per_second + '/s (burst ' + key.rate.burst + ')' : 'default rate');
    if (key.daily_quota) parts.push(key.daily_quota + '/day');
    if (key.priority === 'high') parts.push('high priority');
    if (key.max_concurrent) parts.push(key.max_concurrent + ' at once');
    if (key.allowed_ips && key.allowed_ips.length) parts.push('from ' + key.allowed_ips.join(', '));
    return parts.join('; ');
  }

  const DAY = 24 * 3600 * 1000;

  /** Warnings worth the owner's attention: a key about to stop working, or one nobody uses any more. */
  function keyFlags(key, now) {
    if (key.revoked_at) return [el('span', { class: 'badge revoked', 'data-flag': 'revoked', text: 'revoked' })];
    const flags = [];
    const expires = key.expires_at ? Date.parse(key.expires_at) : null;
    if (expires !== null && expires <= now) {
      flags.push(el('span', { class: 'badge expired', 'data-flag': 'expired', text: 'expired' }));
    } else if (expires !== null && expires - now < 7 * DAY) {
      flags.push(el('span', { class: 'badge soon', 'data-flag': 'expires-soon', text: 'expires soon' }));
    }
    const lastSeen = Date.parse(key.last_used_at || key.created_at);
    if (now - lastSeen >= 30 * DAY) {
      flags.push(el('span', { class: 'badge unused', 'data-flag': 'unused',
        text: key.last_used_at ? 'unused for 30 days' : 'never used in 30 days' }));
    }
    return flags.flatMap((flag) => [' ', flag]);
  }

  function keyRow(key, now) {
    const revoked = Boolean(key.revoked_at);
    const actions = el('td', {}, el('button', { type: 'button', class: 'secondary', 'data-action': 'activity', text: 'Activity' }));
    if (!revoked) {
      actions.append(el('button', { type: 'button', class: 'secondary', 'data-action': 'edit', text: 'Edit' }),
        el('button', { type: 'button', class: 'secondary', 'data-action': 'rotate', text: 'Rotate' }),
        el('button', { type: 'button', class: 'danger', 'data-action': 'revoke', text: 'Revoke' }));
    }
    return el('tr', { 'data-key': key.id, 'data-revoked': revoked ? 'true' : null },
      el('td', {}, key.name, keyFlags(key, now)),
      el('td', { text: key.connection }),
      el('td', { class: 'scopes', text: key.scopes.join(', ') }),
      el('td', { text: limitsText(key) }),
      el('td', { text: when(key.expires_at) || 'never' }),
      el('td', { text: when(key.last_used_at) || 'never' }),
      el('td', { class: 'today', text: (key.requests_today || 0) + ' requests, ' + (key.denied_today || 0) + ' denied' }),
      actions);
  }

  async function loadKeys() {
    keys = await api('GET', '/admin/keys');
    showKeys();
    document.querySelectorAll('.key-choices').forEach((select) => {
      const chosen = select.value;
      select.replaceChildren(...keys.map((k) => el('option', { value: k.id, text: k.name + (k.revoked_at ? ' (revoked)' : '') })));
      if (keys.some((k) => k.id === chosen)) select.value = chosen;
    });
    auditChoices();
  }

  /** Revoked keys stay out of the way unless asked for: they can no longer do anything. */
  function showKeys() {
    const now = Date.now();
    const showRevoked = $('show-revoked').checked;
    const shown = keys.filter((k) => showRevoked || !k.revoked_at);
    $('key-table').tBodies[0].replaceChildren(...shown.map((k) => keyRow(k, now)));
    if (shown.length === 0) {
      const hidden = keys.length - shown.length;
      $('key-table').tBodies[0].append(el('tr', {}, el('td', { colspan: 8,
        text: hidden ? 'No active keys (' + hidden + ' revoked, hidden).' : 'No keys yet.' })));
    }
  }

  /**
   * The form as a key's fields. A new key leaves out what is empty (the gateway's defaults); a change sends
   * every field, null clearing it (a JSON merge patch), and "nothing chosen" as full access, as at creation.
   */
  function keyBody(editing) {
    const scopes = chosenScopes();
    const number = (id) => ($(id).value ? Number($(id).value) : null);
    const body = { name: $('key-name').value.trim(), connection: $('key-connection').value || undefined,
      priority: $('key-priority').value, scopes: scopes.length ? scopes : (editing ? ['full'] : null),
      rate: null, daily_quota: number('key-daily'), max_concurrent: number('key-concurrent'),
      expires_at: $('key-expires').value ? new Date($('key-expires').value).toISOString() : null,
      allowed_ips: lines($('key-ips').value) };
    if ($('key-rate').value) {
      body.rate = { per_second: Number($('key-rate').value) };
      if ($('key-burst').value) body.rate.burst = Number($('key-burst').value);
    }
    if (!body.allowed_ips.length) body.allowed_ips = null;
    if (!editing) Object.keys(body).forEach((name) => { if (body[name] === null) delete body[name]; });
    return body;
  }

  /** datetime-local wants the local time without zone: 2026-12-07T21:30. */
  function localInput(iso) {
    if (!iso) return '';
    const date = new Date(iso);
    return new Date(date.getTime() - date.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  }

  /** Opens the key form on an existing key: its fields filled in, the presets it has chosen. */
  function editKey(key) {
    resetKeyForm();
    const form = $('key-form');
    $('key-editing').value = key.id;
    $('key-name').value = key.name;
    $('key-connection').value = key.connection;
    const rules = [];
    key.scopes.forEach((scope) => {
      const box = form.querySelector('input[name=preset][value="' + CSS.escape(scope) + '"]');
      const family = scope.replace(/:(read|write)$/, '');
      const select = form.querySelector('select[data-family="' + CSS.escape(family) + '"]');
      if (box) box.checked = true;
      else if (select && presets[scope] && select.value !== family + ':write') select.value = scope;
      else rules.push(scope);
    });
    $('key-rules').value = rules.join('\n');
    $('key-rate').value = key.rate ? key.rate.per_second : '';
    $('key-burst').value = key.rate ? key.rate.burst : '';
    $('key-daily').value = key.daily_quota || '';
    $('key-concurrent').value = key.max_concurrent || '';
    $('key-priority').value = key.priority || 'normal';
    $('key-expires').value = localInput(key.expires_at);
    $('key-ips').value = (key.allowed_ips || []).join('\n');
    $('key-form-title').textContent = 'Edit the key ' + key.name;
    $('key-submit').textContent = 'Save changes';
    $('key-cancel').hidden = false;
    showExpansion();
    $('create-key').open = true;
    $('key-name').focus();
  }

  function resetKeyForm() {
    $('key-form').reset();
    $('key-editing').value = '';
    $('key-form-title').textContent = 'Create a key';
    $('key-submit').textContent = 'Create key';
    $('key-cancel').hidden = true;
    showExpansion();
  }

  function showNewKey(issued) {
    const base = info.public_url;
    $('new-key-name').textContent = issued.name;
    $('new-key-value').value = issued.key;
    $('new-key-snippet').value = 'Your Keap Gateway key for "' + issued.name + '" (keep it secret; it allows only '
      + 'what it was given):\n\n'
      + 'Base URL:  ' + base + '/crm/rest/v2/  (REST v1: ' + base + '/crm/rest/v1/)\n'
      + 'Header:    Authorization: Bearer ' + issued.key + '\n\n'
      + 'Try it:\ncurl -H "Authorization: Bearer ' + issued.key + '" ' + base + '/crm/rest/v1/contacts?limit=1\n';
    $('new-key').hidden = false;
    $('new-key').focus();
  }

  function hideNewKey() {
    $('new-key').hidden = true;
    $('new-key-value').value = '';
    $('new-key-snippet').value = '';
  }

  async function keyAction(button) {
    const id = button.closest('[data-key]').dataset.key;
    const key = keys.find((k) => k.id === id);
    switch (button.dataset.action) {
      case 'edit':
        editKey(key);
        break;
      case 'activity':
        $('activity-key').value = id;
        await loadActivity(id);
        $('activity').scrollIntoView();
        break;
      case 'rotate': {
        const minutes = window.prompt('Rotate "' + key.name + '": how many minutes should the old key keep working, '
          + 'so that its user can switch? (0 stops it now)', '60');
        if (minutes === null) return;
        if (!/^\d+$/.test(minutes.trim())) throw new Error('Enter a whole number of minutes.');
        showNewKey(await api('POST', '/admin/keys/' + enc(id) + '/rotate', { grace_seconds: Number(minutes) * 60 }));
        await loadKeys();
        break;
      }
      case 'revoke':
        if (!window.confirm('Revoke the key "' + key.name + '"? Every request with it is refused from now on. '
          + 'This cannot be undone.')) return;
        await api('DELETE', '/admin/keys/' + enc(id));
        say('The key ' + key.name + ' was revoked.');
        await Promise.all([loadKeys(), loadAudit()]);
        break;
      default:
    }
  }

  // ---- activity and audit ------------------------------------------------------------------------------

  /** A key's requests of the chosen kind, newest first, 100 at a time; "older" appends the next page. */
  async function loadActivity(id, older) {
    const status = $('activity-status').value;
    const path = older ? activityNext
      : '/admin/keys/' + enc(id) + '/activity?limit=100' + (status ? '&status=' + enc(status) : '');
    const [page, hours] = await Promise.all([apiResponse('GET', path),
      older ? null : api('GET', '/admin/keys/' + enc(id) + '/activity/today')]);
    const link = /<([^>]+)>;\s*rel="next"/.exec(page.headers.get('Link') || '');
    activityNext = link ? link[1] : null;
    $('activity-more').hidden = !activityNext;
    const body = $('activity-table').tBodies[0];
    const rows = page.data.map((r) => el('tr', {},
      el('td', { text: when(r.at) }), el('td', { text: r.method }), el('td', { class: 'scopes', text: r.path }),
      el('td', { class: 'status', text: String(r.status) }),
      el('td', { text: r.keap_latency_ms != null ? r.keap_latency_ms + ' ms' : 'answered by the gateway' })));
    if (older) {
      body.append(...rows);
    } else {
      body.replaceChildren(...rows);
      if (rows.length === 0) {
        body.append(el('tr', {}, el('td', { colspan: 5, text: status ? 'No such requests.' : 'No requests yet.' })));
      }
      chart(hours);
    }
  }

  const SVG = 'http://www.w3.org/2000/svg';

  function svg(tag, attributes, ...children) {
    const node = document.createElementNS(SVG, tag);
    Object.entries(attributes).forEach(([name, value]) => node.setAttribute(name, value));
    children.forEach((child) => node.append(child));
    return node;
  }

  /** Today's requests per hour as bars, the refused part of each in the warning colour; a table for screen readers. */
  function chart(hours) {
    const most = Math.max(1, ...hours.map((h) => h.requests));
    const width = 24 * 14;
    const height = 60;
    const bars = hours.flatMap((h, i) => {
      const hour = new Date(h.hour).getUTCHours();
      const all = (h.requests / most) * height;
      const refused = (h.denied / most) * height;
      const label = String(hour).padStart(2, '0') + ':00 UTC: ' + h.requests + ' requests, ' + h.denied + ' refused';
      return [svg('rect', { class: 'requests', x: i * 14 + 1, y: height - all, width: 12, height: all }, svg('title', {}, label)),
        svg('rect', { class: 'denied', x: i * 14 + 1, y: height - refused, width: 12, height: refused }, svg('title', {}, label))];
    });
    const total = hours.reduce((sum, h) => sum + h.requests, 0);
    const refused = hours.reduce((sum, h) => sum + h.denied, 0);
    $('activity-chart-bars').replaceChildren(
      svg('svg', { viewBox: '0 0 ' + width + ' ' + (height + 1), role: 'img', 'aria-labelledby': 'activity-chart-caption' },
        svg('line', { x1: 0, y1: height + 0.5, x2: width, y2: height + 0.5 }), ...bars),
      el('p', { class: 'hint', id: 'activity-chart-total', text: 'Today: ' + total + ' requests, ' + refused + ' refused by the gateway.' }));
    $('activity-chart').hidden = false;
  }

  /** The audit filter offers every key and connection; its choice survives a reload of the lists. */
  function auditChoices() {
    const select = $('audit-filter');
    const chosen = select.value;
    select.replaceChildren(el('option', { value: '', text: 'every event' }),
      ...connections.map((c) => el('option', { value: 'connection=' + enc(c.name), text: 'connection ' + c.name })),
      ...keys.map((k) => el('option', { value: 'key=' + enc(k.id), text: 'key ' + k.name + (k.revoked_at ? ' (revoked)' : '') })));
    if ([...select.options].some((option) => option.value === chosen)) select.value = chosen;
  }

  async function loadAudit() {
    const filter = $('audit-filter').value;
    const entries = await api('GET', '/admin/audit?limit=100' + (filter ? '&' + filter : ''));
    $('audit-table').tBodies[0].replaceChildren(...entries.map((e) => el('tr', {},
      el('td', { text: when(e.at) }), el('td', { text: e.actor || '' }), el('td', { text: e.action }),
      el('td', { text: e.target || '' }), el('td', { text: e.detail || '' }))));
  }

  // ---- wiring ------------------------------------------------------------------------------------------

  onSubmit('sign-in-form', async () => {
    sessionStorage.setItem(TOKEN, $('admin-token').value.trim());
    $('admin-token').value = '';
    await loadAll();
    show(true);
    say('Signed in.');
  });
  $('sign-out').addEventListener('click', () => signOut('Signed out. The admin token was removed from this tab.'));

  $('connections').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-action]');
    if (button) act(button, () => connectionAction(button));
  });
  document.querySelectorAll('input[name=kind]').forEach((radio) => radio.addEventListener('change', setupKind));
  onSubmit('setup-form', async () => {
    const kind = document.querySelector('input[name=kind]:checked').value;
    const body = kind === 'api_key' ? { api_key: $('setup-key').value }
      : { client_id: $('setup-client-id').value, client_secret: $('setup-client-secret').value };
    const name = $('setup-name').value.trim();
    await api('PUT', '/admin/connections/' + enc(name), body);
    $('setup-form').reset();
    setupKind();
    $('setup').open = false;
    say('The connection ' + name + ' was saved.');
    await Promise.all([loadConnections(), loadAudit()]);
  });
  onSubmit('code-form', async () => {
    await api('POST', '/admin/connections/' + enc($('code-connection').value) + '/tokens',
      { code: $('code-value').value.trim(), redirect_uri: $('code-redirect').value.trim() });
    $('code-form').reset();
    say('Connected with the code.');
    await Promise.all([loadConnections(), loadAudit()]);
  });
  onSubmit('refresh-token-form', async () => {
    await api('POST', '/admin/connections/' + enc($('import-connection').value) + '/tokens',
      { refresh_token: $('import-token').value.trim() });
    $('refresh-token-form').reset();
    say('The refresh token was imported.');
    await Promise.all([loadConnections(), loadAudit()]);
  });

  $('key-table').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-action]');
    if (button) act(button, () => keyAction(button));
  });
  onSubmit('key-form', async () => {
    const editing = $('key-editing').value;
    if (editing) {
      const changed = await api('PATCH', '/admin/keys/' + enc(editing), keyBody(true));
      say('The key ' + changed.name + ' was changed; every gateway replica applies it within a second.');
    } else {
      showNewKey(await api('POST', '/admin/keys', keyBody(false)));
    }
    resetKeyForm();
    $('create-key').open = false;
    await Promise.all([loadKeys(), loadAudit()]);
  });
  $('key-cancel').addEventListener('click', () => {
    resetKeyForm();
    $('create-key').open = false;
  });
  $('key-form').addEventListener('change', showExpansion);
  $('key-rules').addEventListener('input', showExpansion);
  $('show-revoked').addEventListener('change', showKeys);
  $('new-key-done').addEventListener('click', hideNewKey);
  document.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-copy]');
    if (button) copy($(button.dataset.copy));
  });
  onSubmit('check-form', async () => {
    const answer = await api('POST', '/admin/keys/' + enc($('check-key').value) + '/check',
      { method: $('check-method').value, path: $('check-path').value.trim() });
    $('check-result').textContent = answer.allowed ? 'Allowed.' : 'Refused: ' + answer.reason + ' (' + answer.code + ')';
  });
  onSubmit('activity-form', () => loadActivity($('activity-key').value));
  $('activity-more').addEventListener('click', (event) => act(event.target, () => loadActivity($('activity-key').value, true)));
  onSubmit('audit-form', loadAudit);

  // ---- notifications -----------------------------------------------------------------------------------

  const CHANNEL_WORDS = { webhook: 'Webhook', email: 'E-mail' };

  /** Each channel, set or not, and where it sends (never a secret: the admin API shows none). */
  function showChannels(channels) {
    $('notify-channels').replaceChildren(...channels.map((channel) => {
      let where = 'not set';
      if (channel.configured && channel.name === 'webhook') {
        where = 'to ' + channel.host + ' (' + channel.format + ', ' + (channel.signed ? 'signed' : 'not signed') + ')';
      } else if (channel.configured) {
        where = 'to ' + (channel.to || []).join(', ') + ' through ' + channel.host;
      }
      return el('li', { text: (CHANNEL_WORDS[channel.name] || channel.name) + ': ' + where });
    }));
    $('notify-test').disabled = !channels.some((channel) => channel.configured);
  }

  $('notify-test').addEventListener('click', (event) => act(event.target, async () => {
    $('notify-result').textContent = 'Sending...';
    const result = await api('POST', '/admin/notifications/test');
    $('notify-result').textContent = result.channels.map((outcome) => (CHANNEL_WORDS[outcome.channel] || outcome.channel)
      + (outcome.delivered ? ': delivered.' : ': not delivered (' + outcome.error + ').')).join(' ');
    await loadAudit();
  }));

  if (sessionStorage.getItem(TOKEN)) {
    show(true);
    act(null, loadAll);
  } else {
    show(false);
  }
}());
