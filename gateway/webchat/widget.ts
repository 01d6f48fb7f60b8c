/**
 * The embeddable widget: one script tag on the firm's site,
 *   <script src="https://PUBLIC/webchat/CHANNEL/widget.js" async></script>
 * No framework and no innerHTML (every text is set with textContent, so a
 * message can never inject markup). The visitor token lives in localStorage;
 * unacknowledged messages are re-sent with the same id after a reconnect, and
 * the server stores each id once. A page view without a token opens no socket:
 * the visitor is given an identity when they first write, so reading the site
 * never spends the limits on new visitors. A refusal by those limits is shown
 * in the box and retried when the server says.
 */
export function widgetScript(channelId: string, title: string): string {
  return `(function () {
  'use strict';
  var CHANNEL = ${JSON.stringify(channelId)}, TITLE = ${JSON.stringify(title)};
  var script = document.currentScript;
  var base = new URL(script && script.src ? script.src : location.href);
  var wsUrl = (base.protocol === 'https:' ? 'wss:' : 'ws:') + '//' + base.host + '/webchat/' + CHANNEL + '/ws';
  var KEY = 'swb-webchat-' + CHANNEL;
  var shown = {}, pending = {}, ws = null, delay = 500;

  var box = document.createElement('div');
  box.id = 'swb-webchat';
  box.setAttribute('style', 'position:fixed;right:16px;bottom:16px;width:300px;font:14px sans-serif;background:#fff;border:1px solid #ccc;border-radius:8px;box-shadow:0 2px 12px rgba(0,0,0,.2);z-index:2147483647');
  var head = document.createElement('div');
  head.textContent = TITLE;
  head.setAttribute('style', 'padding:8px;background:#234;color:#fff;border-radius:8px 8px 0 0');
  var list = document.createElement('div');
  list.className = 'swb-messages';
  list.setAttribute('style', 'height:240px;overflow-y:auto;padding:8px');
  var form = document.createElement('form');
  form.setAttribute('style', 'display:flex;border-top:1px solid #ddd');
  var input = document.createElement('input');
  input.name = 'text';
  input.setAttribute('aria-label', 'Message');
  input.setAttribute('style', 'flex:1;border:0;padding:8px');
  var button = document.createElement('button');
  button.type = 'submit';
  button.textContent = 'Send';
  form.appendChild(input);
  form.appendChild(button);
  var notice = document.createElement('div');
  notice.className = 'swb-notice';
  notice.setAttribute('role', 'status');
  notice.setAttribute('style', 'display:none;padding:6px 8px;background:#fff4d6;color:#5a4300;font-size:13px');
  box.appendChild(head);
  box.appendChild(list);
  box.appendChild(notice);
  box.appendChild(form);

  function say(text) {
    notice.textContent = text || '';
    notice.style.display = text ? 'block' : 'none';
  }

  function show(m) {
    if (shown[m.id]) return;
    shown[m.id] = true;
    var p = document.createElement('div');
    p.className = 'swb-message swb-' + m.direction;
    p.dataset.id = m.id;
    p.setAttribute('style', 'margin:4px 0;padding:6px 8px;border-radius:6px;' + (m.direction === 'in' ? 'background:#def;margin-left:40px' : 'background:#eee;margin-right:40px'));
    p.textContent = m.text;
    (m.files || []).forEach(function (f) {
      var a = document.createElement('a');
      a.href = new URL(f.url, base).href;
      a.textContent = f.name;
      a.className = 'swb-file';
      a.rel = 'noopener';
      a.setAttribute('download', f.name);
      a.setAttribute('style', 'display:block;margin-top:4px');
      p.appendChild(a);
    });
    list.appendChild(p);
    list.scrollTop = list.scrollHeight;
    if (m.direction === 'out' && ws && ws.readyState === 1) ws.send(JSON.stringify({ type: 'seen', id: m.id }));
  }
  function send(m) {
    if (ws && ws.readyState === 1) ws.send(JSON.stringify({ type: 'message', id: m.id, text: m.text }));
  }
  function connect() {
    if (ws) return;
    ws = new WebSocket(wsUrl);
    ws.onopen = function () {
      ws.send(JSON.stringify({ type: 'hello', token: localStorage.getItem(KEY) }));
    };
    ws.onmessage = function (e) {
      var m = JSON.parse(e.data);
      if (m.type === 'welcome') {
        delay = 500;
        say('');
        localStorage.setItem(KEY, m.token);
        m.messages.forEach(show);
        Object.keys(pending).forEach(function (id) { send(pending[id]); });
      } else if (m.type === 'message') {
        ws.send(JSON.stringify({ type: 'received', id: m.id }));
        show({ id: m.id, direction: 'out', text: m.text, files: m.files });
      } else if (m.type === 'ack') {
        delete pending[m.id];
        say('');
      } else if (m.type === 'error' && m.code === 'SWB_ERR_RATE_LIMITED') {
        say(m.message);
        var wait = (m.retryAfterSeconds || 5) * 1000;
        if (!m.id) delay = wait;
        else if (pending[m.id]) setTimeout(function () { if (pending[m.id]) send(pending[m.id]); }, wait);
      } else if (m.type === 'error' && m.id && pending[m.id]) {
        setTimeout(function () { if (pending[m.id]) send(pending[m.id]); }, 1000);
      }
    };
    ws.onclose = function (e) {
      ws = null;
      // An identity that expired unused is forgotten; the next message asks for a new one.
      if (e.code === 4000) localStorage.removeItem(KEY);
      if (!localStorage.getItem(KEY) && !Object.keys(pending).length) return;
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 15000);
    };
  }
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = '';
    var m = { id: (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random()), direction: 'in', text: text };
    pending[m.id] = m;
    show(m);
    if (ws) send(m);
    else connect();
  });
  function mount() {
    document.body.appendChild(box);
    if (localStorage.getItem(KEY)) connect();
  }
  if (document.body) mount(); else document.addEventListener('DOMContentLoaded', mount);
})();
`;
}
