/* Console live channel (every console page) and the agent's chat workspace.

   One socket per console tab (/ws/console/): it keeps the agent's presence alive, refreshes
   the chat queue when it changes, announces chats and cases offered to this agent, and
   carries the open chat's messages, typing and read receipts. Messages are rows with ids:
   on every (re)connect the page asks for everything after the last id it shows and skips
   ids it already has. Text is always inserted with textContent. */
(function () {
  "use strict";
  // Django's JavaScript catalog (/jsi18n/, loaded before this file) translates; English otherwise.
  var gettext = window.gettext || function (s) { return s; };
  var interpolate = window.interpolate || function (f, a) { var i = 0; return f.replace(/%s/g, function () { return a[i++]; }); };
  var live = document.getElementById("console-live");
  if (!live || !window.WebSocket || !window.JSON) return;
  var notice = document.getElementById("console-live-notice");
  var chat = document.getElementById("agent-chat");
  var conv = chat ? chat.getAttribute("data-conversation") : null;
  var log = chat ? chat.querySelector(".chat-log") : null;
  var typingEl = chat ? chat.querySelector(".chat-typing") : null;
  var errorEl = chat ? chat.querySelector(".chat-error") : null;
  var form = document.getElementById("agent-chat-form");
  var input = document.getElementById("agent-chat-input");
  var ws = null, open = false, attempts = 0, lastId = 0, shown = {}, pending = {}, customerRead = 0;
  var typingSent = false, typingTimer = null, typingOff = null, readSent = 0;

  function el(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text != null) n.textContent = text;
    return n;
  }
  function safeUrl(url) { return typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/" ? url : null; }
  function link(url, text) {
    var href = safeUrl(url); if (!href) return el("span", null, text);
    var a = el("a", null, text); a.href = href; a.target = "_blank"; a.rel = "noopener"; return a;
  }
  function toast(text, url) {
    if (!notice) return;
    notice.textContent = "";
    if (url && safeUrl(url)) notice.appendChild(link(url, text)); else notice.textContent = text;
    notice.hidden = false;
    clearTimeout(toast.timer); toast.timer = setTimeout(function () { notice.hidden = true; }, 8000);
  }
  function cartRefresh() {
    // The agent just changed the shopper's cart from the chat: refresh the live cart panel now.
    var panel = document.getElementById("cart-live");
    if (panel && window.htmx) htmx.ajax("GET", panel.getAttribute("hx-get"), { target: "#cart-live", swap: "outerHTML" });
  }
  function queueChanged() { if (window.htmx) htmx.trigger(document.body, "chat-queue"); }
  function send(obj) { if (ws && open) { ws.send(JSON.stringify(obj)); return true; } return false; }
  function uid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
    var s = ""; for (var i = 0; i < 24; i++) s += Math.floor(Math.random() * 36).toString(36); return s;
  }

  // --- the open chat ---------------------------------------------------------------------
  function who(m) {
    return { customer: gettext("Shopper"), bot: gettext("Bot"), agent: m.author || gettext("Agent"), system: "" }[m.sender] || "";
  }
  function body(m) {
    var p = m.payload || {};
    if (m.kind === "article" || m.kind === "link") {
      var box = el("div", "chat-card");
      box.appendChild(el("strong", "chat-card-title")).appendChild(link(p.url, p.title || m.body));
      box.appendChild(el("p", null, m.body));
      return box;
    }
    if (m.kind === "product") {
      var prod = el("div", "chat-card");
      prod.appendChild(el("strong", "chat-card-title", p.name || ""));
      prod.appendChild(el("p", "small muted", [p.options, p.sku, p.price].filter(Boolean).join(" · ")));
      prod.appendChild(el("p", null, m.body));
      return prod;
    }
    if (m.kind === "orders") {
      var list = el("div", "chat-card");
      (p.orders || []).forEach(function (o) {
        list.appendChild(el("p", null, o.number + " · " + o.status + (o.tracking ? " · " + (o.carrier || "") + " " + o.tracking : "")));
      });
      return list;
    }
    return el("p", "chat-text", m.body);
  }
  function receipts() {
    Object.keys(shown).forEach(function (id) {
      var r = shown[id].querySelector(".chat-receipt");
      if (r) r.textContent = customerRead >= +id ? gettext("Seen") : "";
    });
  }
  function add(m) {
    if (!m || typeof m.id !== "number" || shown[m.id]) return;
    var li = el("li", "chat-msg from-" + m.sender + " kind-" + m.kind);
    li.setAttribute("data-id", m.id);
    if (m.sender !== "system") li.appendChild(el("span", "chat-who", who(m)));
    li.appendChild(body(m));
    if (m.kind === "feedback") li.lastChild.textContent = interpolate(gettext("Bot asked: %s"), [m.body]);
    if (m.sender === "agent") li.appendChild(el("span", "chat-receipt small muted", ""));
    var p = m.client_id && pending[m.client_id];
    if (p) { p.replaceWith(li); delete pending[m.client_id]; }
    else {
      var after = null;
      Object.keys(shown).forEach(function (k) { if (+k > m.id && (!after || +k < +after.getAttribute("data-id"))) after = shown[k]; });
      log.insertBefore(li, after || log.querySelector(".chat-pending"));
    }
    shown[m.id] = li;
    if (m.id > lastId) lastId = m.id;
    if (m.sender === "customer") typingEl.hidden = true;
    receipts();
    log.scrollTop = log.scrollHeight;
    markRead();
  }
  function markRead() {
    if (!conv || lastId <= readSent || document.visibilityState === "hidden") return;
    if (send({ type: "read", conversation: conv, last_id: lastId })) readSent = lastId;
  }
  function applyState(s) {
    if (!chat || s.conversation !== conv) { queueChanged(); return; }
    var pill = document.getElementById("chat-state");
    if (pill) { pill.textContent = s.status_label; pill.className = "pill status-" + s.status; }
    customerRead = s.customer_read_id || 0; receipts();
    if (s.status === "closed" && form) form.hidden = true;
    queueChanged();
  }
  function showError(text) { if (errorEl) { errorEl.textContent = text || ""; errorEl.hidden = !text; } }
  function typing(on) { if (on !== typingSent && conv) { typingSent = on; send({ type: "typing", conversation: conv, on: on }); } }

  if (form) {
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var text = input.value.trim(); if (!text) return;
      var cid = uid();
      var li = el("li", "chat-msg from-agent kind-text chat-pending");
      li.appendChild(el("span", "chat-who", gettext("You"))); li.appendChild(el("p", "chat-text", text));
      li.appendChild(el("span", "chat-receipt small muted", gettext("Sending…")));
      log.appendChild(li); log.scrollTop = log.scrollHeight;
      pending[cid] = li; li._body = text;
      input.value = ""; typing(false); showError("");
      if (!send({ type: "send", conversation: conv, body: text, client_id: cid })) showError(gettext("Reconnecting… your reply is sent as soon as the connection is back."));
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit")); }
    });
    input.addEventListener("input", function () {
      typing(!!input.value); clearTimeout(typingTimer); typingTimer = setTimeout(function () { typing(false); }, 3000);
    });
  }
  document.addEventListener("visibilitychange", markRead);
  // Tools that change the chat (article, product, case) answer with a fresh tools panel;
  // the messages they post arrive over the socket like any other.

  // --- the socket ------------------------------------------------------------------------
  function connect() {
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    try { ws = new WebSocket(proto + location.host + live.getAttribute("data-ws")); } catch (e) { retry(); return; }
    ws.onopen = function () {
      open = true; attempts = 0; showError("");
      if (conv) send({ type: "watch", conversation: conv, last_id: lastId });
      Object.keys(pending).forEach(function (cid) { send({ type: "send", conversation: conv, body: pending[cid]._body, client_id: cid }); });
    };
    ws.onmessage = function (ev) {
      var d; try { d = JSON.parse(ev.data); } catch (e) { return; }
      if (d.type === "message") {
        if (d.conversation === conv && log) { add(d.message); if (d.message.kind === "product") cartRefresh(); }
        else queueChanged();
      }
      else if (d.type === "state") applyState(d);
      else if (d.type === "typing" && d.conversation === conv && typingEl) {
        typingEl.hidden = !d.on; clearTimeout(typingOff);
        if (d.on) typingOff = setTimeout(function () { typingEl.hidden = true; }, 6000);
      } else if (d.type === "read" && d.conversation === conv && d.who === "customer") { customerRead = d.last_id; receipts(); }
      else if (d.type === "queue") queueChanged();
      else if (d.type === "offer") { queueChanged(); if (d.conversation !== conv) toast("A chat is waiting for you — open Chats to accept it.", "/console/chats/"); }
      else if (d.type === "case") toast(interpolate(gettext("New case %s assigned to you."), [d.case]), d.url);
      else if (d.type === "error") showError(d.message);
    };
    ws.onclose = function (ev) { ws = null; open = false; if (ev.code !== 4403) retry(); };
  }
  function retry() {
    attempts += 1;
    if (chat && attempts > 1) showError(gettext("Reconnecting to live chat…"));
    setTimeout(connect, Math.min(30000, 500 * Math.pow(2, attempts)) * (0.5 + Math.random() / 2));
  }
  setInterval(function () { send({ type: "ping" }); if (conv) send({ type: "sync", conversation: conv, last_id: lastId }); }, 30000);
  connect();
})();
