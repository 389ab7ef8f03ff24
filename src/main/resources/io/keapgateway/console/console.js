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
    return data;
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
    info = null;
    ['connections', 'preset-general', 'preset-families', 'notify-channels', 'notify-result']
      .forEach((id) => $(id).replaceChildren());
    document.querySelectorAll('tbody, .key-choices, .oauth-connections, #key-connection')
      .forEach((node) => node.replaceChildren());
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
    card.append(buttons);
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

  function setupKind() {
    const apiKey = document.querySelector('input[name=kind]:checked').value === 'api_key';
    $('setup-oauth').hidden = apiKey;
    $('setup-api-key').hidden = !apiKey;
  }

  // ---- keys --------------------------------------------------------------------------------------------

  async function loadPresets() {
    const presets = await api('GET', '/admin/scope-presets');
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
  }

  function limitsText(key) {
    const parts = [];
    parts.push(key.rate ? key.rate.per_second + '/s (burst ' + key.rate.burst + ')' : 'default rate');
    if (key.daily_quota) parts.push(key.daily_quota + '/day');
    if (key.priority === 'high') parts.push('high priority');
    if (key.allowed_ips && key.allowed_ips.length) parts.push('from ' + key.allowed_ips.join(', '));
    return parts.join('; ');
  }

  function keyRow(key) {
    const revoked = Boolean(key.revoked_at);
    const actions = el('td', {}, el('button', { type: 'button', class: 'secondary', 'data-action': 'activity', text: 'Activity' }));
    if (!revoked) {
      actions.append(el('button', { type: 'button', class: 'secondary', 'data-action': 'rotate', text: 'Rotate' }),
        el('button', { type: 'button', class: 'danger', 'data-action': 'revoke', text: 'Revoke' }));
    }
    return el('tr', { 'data-key': key.id },
      el('td', {}, key.name, revoked ? [' ', el('span', { class: 'badge revoked', text: 'revoked' })] : []),
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
    $('key-table').tBodies[0].replaceChildren(...keys.map(keyRow));
    if (keys.length === 0) {
      $('key-table').tBodies[0].append(el('tr', {}, el('td', { colspan: 8, text: 'No keys yet.' })));
    }
    document.querySelectorAll('.key-choices').forEach((select) => {
      const chosen = select.value;
      select.replaceChildren(...keys.map((k) => el('option', { value: k.id, text: k.name + (k.revoked_at ? ' (revoked)' : '') })));
      if (keys.some((k) => k.id === chosen)) select.value = chosen;
    });
  }

  function keyBody(form) {
    const scopes = [...form.querySelectorAll('input[name=preset]:checked')].map((box) => box.value)
      .concat([...form.querySelectorAll('select[name=family]')].map((select) => select.value).filter(Boolean))
      .concat(lines($('key-rules').value));
    const body = { name: $('key-name').value.trim(), connection: $('key-connection').value || undefined,
      priority: $('key-priority').value };
    if (scopes.length) body.scopes = scopes;
    if ($('key-rate').value) {
      body.rate = { per_second: Number($('key-rate').value) };
      if ($('key-burst').value) body.rate.burst = Number($('key-burst').value);
    }
    if ($('key-daily').value) body.daily_quota = Number($('key-daily').value);
    if ($('key-expires').value) body.expires_at = new Date($('key-expires').value).toISOString();
    const ips = lines($('key-ips').value);
    if (ips.length) body.allowed_ips = ips;
    return body;
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

  async function loadActivity(id) {
    const requests = await api('GET', '/admin/keys/' + enc(id) + '/activity');
    const body = $('activity-table').tBodies[0];
    body.replaceChildren(...requests.map((r) => el('tr', {},
      el('td', { text: when(r.at) }), el('td', { text: r.method }), el('td', { class: 'scopes', text: r.path }),
      el('td', { class: 'status', text: String(r.status) }),
      el('td', { text: r.keap_latency_ms != null ? r.keap_latency_ms + ' ms' : 'answered by the gateway' }))));
    if (requests.length === 0) {
      body.append(el('tr', {}, el('td', { colspan: 5, text: 'No requests yet.' })));
    }
  }

  async function loadAudit() {
    const entries = await api('GET', '/admin/audit?limit=100');
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
  onSubmit('key-form', async (form) => {
    showNewKey(await api('POST', '/admin/keys', keyBody(form)));
    form.reset();
    $('create-key').open = false;
    await Promise.all([loadKeys(), loadAudit()]);
  });
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
  $('audit-refresh').addEventListener('click', (event) => act(event.target, loadAudit));

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
