/* Storefront live chat widget (no framework, no build step, no inline script: CSP-friendly).

   Messages are rows with ids. The widget keeps the highest id it has shown and asks the
   server for everything after it on every (re)connect and every 25 s, and skips ids it has
   already shown, so a dropped socket neither loses nor duplicates a message. A message the
   shopper sends carries a client id: a resend after a drop is stored once by the server.
   If the socket cannot connect, it retries with backoff and meanwhile polls over HTTP.
   All text is inserted with textContent: nothing from a message is ever parsed as HTML. */
(function () {
  "use strict";
  // Django's JavaScript catalog (/jsi18n/, loaded before this file) translates; English otherwise.
  var gettext = window.gettext || function (s) { return s; };
  var interpolate = window.interpolate || function (f, a) { var i = 0; return f.replace(/%s/g, function () { return a[i++]; }); };
  var root = document.getElementById("chat");
  if (!root || !window.fetch || !window.JSON) return;
  root.hidden = false;

  var launcher = root.querySelector(".chat-launcher");
  var panel = root.querySelector(".chat-panel");
  var log = root.querySelector(".chat-log");
  var statusEl = root.querySelector(".chat-status");
  var typingEl = root.querySelector(".chat-typing");
  var errorEl = root.querySelector(".chat-error");
  var form = root.querySelector(".chat-form");
  var input = root.querySelector(".chat-form textarea");
  var unreadEl = root.querySelector(".chat-unread");
  var restartBtn = root.querySelector("[data-act=restart]");
  var transcriptForm = root.querySelector(".chat-transcript");
  var BASE = root.getAttribute("data-base");
  var STORE = "uc-chat";

  var conv = null;          // conversation public id
  var state = { status: "", agent: "", agent_read_id: 0 };
  var lastId = 0;           // highest message id shown
  var shown = {};           // id -> li
  var pending = {};         // client_id -> {li, body}
  var ws = null, wsOpen = false, attempts = 0, reconnectTimer = null, pollTimer = null, syncTimer = null;
  var typingTimer = null, typingSent = false, typingOffTimer = null, unread = 0, readSent = 0;

  function csrf() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (e) { return ""; }
  }
  function post(url, data) {
    var body = new URLSearchParams();
    Object.keys(data || {}).forEach(function (k) { body.append(k, data[k]); });
    return fetch(url, { method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(), "X-Requested-With": "fetch" } });
  }
  function uid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
    var s = ""; for (var i = 0; i < 24; i++) s += Math.floor(Math.random() * 36).toString(36);
    return s;
  }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text != null) node.textContent = text;
    return node;
  }
  function safeUrl(url) {
    // Only this site's paths: never javascript:, data: or another host.
    return typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/" ? url : null;
  }
  function link(url, text) {
    var href = safeUrl(url);
    if (!href) return el("span", null, text);
    var a = el("a", null, text); a.href = href; return a;
  }
  function showError(text) {
    errorEl.textContent = text || ""; errorEl.hidden = !text;
  }
  function setStatus(text) { statusEl.textContent = text; }

  // --- rendering ---------------------------------------------------------------------
  function who(m) {
    if (m.sender === "customer") return gettext("You");
    if (m.sender === "agent") return m.author || gettext("Agent");
    if (m.sender === "bot") return gettext("Shop assistant");
    return "";
  }
  function card(m) {
    var p = m.payload || {};
    var box = el("div", "chat-card");
    if (m.kind === "article" || m.kind === "link") {
      box.appendChild(el("strong", "chat-card-title")).appendChild(link(p.url, p.title || m.body));
      if (m.kind === "article" && (p.summary || m.body)) box.appendChild(el("p", null, p.summary || m.body));
      if (m.kind === "link" && m.body) box.appendChild(el("p", null, m.body));
    } else if (m.kind === "product") {
      box.appendChild(el("strong", "chat-card-title", p.name || m.body));
      if (p.options) box.appendChild(el("p", "small muted", p.options));
      if (p.price) box.appendChild(el("p", null, p.price));
      box.appendChild(el("p", "small", m.body));
      var cartLink = link("/cart/", gettext("View your cart")); cartLink.className = "btn small";
      box.appendChild(cartLink);
    } else if (m.kind === "orders") {
      box.appendChild(el("p", null, m.body));
      (p.orders || []).forEach(function (o) {
        var row = el("div", "chat-order");
        row.appendChild(el("strong")).appendChild(link(o.url, o.number));
        row.appendChild(el("span", "pill", o.status));
        if (o.tracking) row.appendChild(el("p", "small", interpolate(gettext("%s · tracking %s"), [o.carrier || gettext("Carrier"), o.tracking])));
        box.appendChild(row);
      });
    }
    return box;
  }
  function actions(m) {
    var p = m.payload || {};
    var wrap = el("div", "chat-actions");
    if (m.kind === "feedback") {
      [[gettext("Yes, thanks"), true], [gettext("No"), false]].forEach(function (pair) {
        var b = el("button", "btn small secondary", pair[0]); b.type = "button";
        b.addEventListener("click", function () { feedback(pair[1]); wrap.remove(); });
        wrap.appendChild(b);
      });
    }
    (p.actions || []).forEach(function (a) {
      var b = el("button", "btn small secondary", a.label); b.type = "button";
      b.addEventListener("click", function () {
        if (a.action === "handover") handover(); else if (a.send) send(a.send);
      });
      wrap.appendChild(b);
    });
    return wrap.childNodes.length ? wrap : null;
  }
  function render(m) {
    var li = el("li", "chat-msg from-" + m.sender + " kind-" + m.kind);
    li.setAttribute("data-id", m.id);
    if (m.sender !== "system") li.appendChild(el("span", "chat-who", who(m)));
    if (m.kind === "text" || m.kind === "event" || m.kind === "feedback") li.appendChild(el("p", "chat-text", m.body));
    else li.appendChild(card(m));
    var acts = actions(m);
    if (acts && state.status === "bot") li.appendChild(acts);
    if (m.sender === "customer") li.appendChild(el("span", "chat-receipt small muted", ""));
    return li;
  }
  function add(m) {
    if (!m || typeof m.id !== "number" || shown[m.id]) return;
    var li = render(m);
    var p = m.client_id && pending[m.client_id];
    if (p) { p.li.replaceWith(li); delete pending[m.client_id]; }
    else {
      // Keep id order even if two events cross on the wire.
      var after = null;
      Object.keys(shown).forEach(function (k) { if (+k > m.id && (!after || +k < +after.getAttribute("data-id"))) after = shown[k]; });
      if (after) log.insertBefore(li, after); else {
        var firstPending = log.querySelector(".chat-pending");
        log.insertBefore(li, firstPending);
      }
    }
    shown[m.id] = li;
    if (m.id > lastId) lastId = m.id;
    if (m.sender !== "customer") {
      if (panel.hidden) { unread += 1; unreadEl.textContent = unread; unreadEl.hidden = false; }
      if (m.sender === "agent") typingEl.hidden = true;
    }
    receipts();
    log.scrollTop = log.scrollHeight;
    markRead();
  }
  function receipts() {
    Object.keys(shown).forEach(function (id) {
      var r = shown[id].querySelector(".chat-receipt");
      if (r) r.textContent = state.agent_read_id >= +id ? gettext("Seen") : "";
    });
  }
  function applyState(s) {
    var before = state.status;
    state.status = s.status; state.agent = s.agent || ""; state.agent_read_id = s.agent_read_id || 0;
    var text = { bot: gettext("Shop assistant · a person is one tap away"), waiting: gettext("Waiting for the next available person…"),
      active: interpolate(gettext("%s from customer care"), [state.agent || gettext("An agent")]), closed: gettext("This chat has ended") }[s.status] || "";
    setStatus(text);
    root.querySelector("[data-act=handover]").hidden = s.status !== "bot";
    root.querySelector("[data-act=end]").hidden = s.status === "closed";
    form.hidden = s.status === "closed";
    restartBtn.hidden = s.status !== "closed";
    if (before && before !== s.status) {
      // Quick replies only make sense while the bot answers.
      log.querySelectorAll(".chat-actions").forEach(function (n) { if (s.status !== "bot") n.remove(); });
    }
    if (s.status === "closed") { try { localStorage.removeItem(STORE); } catch (e) { /* private mode */ } }
    receipts();
  }
  function snapshot(data) {
    if (data.state) applyState(data.state);
    (data.messages || []).forEach(add);
    if (typeof data.cart_count === "number") cartCount(data.cart_count);
  }

  // --- cart updates pushed by an agent -------------------------------------------------
  function cartCount(n) {
    var a = document.querySelector('.site-nav a[href="/cart/"]');
    if (!a) return;
    var badge = a.querySelector(".badge");
    if (!n) { if (badge) badge.remove(); return; }
    if (!badge) { badge = el("span", "badge"); a.appendChild(document.createTextNode(" ")); a.appendChild(badge); }
    badge.textContent = n;
  }
  function cartChanged() {
    fetch(BASE + conv + "/cart/", { credentials: "same-origin" }).then(function (r) { return r.json(); })
      .then(function (d) { cartCount(d.cart_count); }).catch(function () {});
    if (location.pathname === "/cart/") {
      fetch("/cart/", { credentials: "same-origin" }).then(function (r) { return r.text(); }).then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("main"), current = document.getElementById("main");
        if (fresh && current) current.replaceWith(fresh);
      }).catch(function () {});
    }
  }

  // --- transport -----------------------------------------------------------------------
  function wsSend(obj) {
    if (ws && wsOpen) { ws.send(JSON.stringify(obj)); return true; }
    return false;
  }
  function connect() {
    if (!conv || ws) return;
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    try { ws = new WebSocket(proto + location.host + "/ws/chat/" + conv + "/"); }
    catch (e) { ws = null; scheduleReconnect(); return; }
    ws.onopen = function () {
      wsOpen = true; attempts = 0; stopPolling(); showError("");
      wsSend({ type: "sync", last_id: lastId });
      resendPending();
    };
    ws.onmessage = function (ev) {
      var d; try { d = JSON.parse(ev.data); } catch (e) { return; }
      if (d.type === "message") add(d.message);
      else if (d.type === "state") applyState(d);
      else if (d.type === "typing") { typingEl.hidden = !d.on; clearTimeout(typingOffTimer); if (d.on) typingOffTimer = setTimeout(function () { typingEl.hidden = true; }, 6000); }
      else if (d.type === "read" && d.who === "agent") { state.agent_read_id = d.last_id; receipts(); }
      else if (d.type === "cart") { cartCount(d.count); cartChanged(); }
      else if (d.type === "error") onError(d);
    };
    ws.onclose = function (ev) {
      ws = null; wsOpen = false;
      if (ev.code === 4403) { conv = null; try { localStorage.removeItem(STORE); } catch (e) {} return; }
      if (state.status === "closed") return;
      scheduleReconnect();
    };
  }
  function scheduleReconnect() {
    attempts += 1;
    if (attempts >= 3) startPolling();
    var delay = Math.min(30000, 500 * Math.pow(2, attempts)) * (0.5 + Math.random() / 2);
    clearTimeout(reconnectTimer);
    reconnectTimer = setTimeout(connect, delay);
  }
  function poll() {
    if (!conv) return;
    fetch(BASE + conv + "/messages/?last_id=" + lastId, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw r; return r.json(); }).then(snapshot).catch(function () {});
  }
  function startPolling() {
    if (pollTimer) return;
    setStatus(gettext("Reconnecting… messages still arrive"));
    poll(); pollTimer = setInterval(poll, 3000);
  }
  function stopPolling() { clearInterval(pollTimer); pollTimer = null; }
  function resendPending() {
    Object.keys(pending).forEach(function (cid) { wsSend({ type: "send", body: pending[cid].body, client_id: cid }); });
  }
  function onError(d) {
    showError(d.message || gettext("Something went wrong."));
    if (d.code === "rate_limited" || d.code === "invalid" || d.code === "too_long") {
      Object.keys(pending).forEach(function (cid) {
        var p = pending[cid]; p.li.classList.add("chat-failed");
        p.li.querySelector(".chat-receipt").textContent = gettext("Not sent");
        delete pending[cid];
        if (!input.value) input.value = p.body;
      });
    }
  }

  // --- actions ---------------------------------------------------------------------------
  // Typed and sent before the chat has started (the start request still on its way): kept and
  // sent as soon as it has, never dropped; if the start fails it goes back into the field.
  var beforeStart = [], starting = false;
  function send(text) {
    text = (text || "").trim();
    if (!text) return;
    if (!conv) { beforeStart.push(text); if (!starting) start(); return; }
    if (text.length > 2000) { showError(gettext("Messages can be 2,000 characters at most.")); return; }
    showError("");
    var cid = uid();
    var li = el("li", "chat-msg from-customer kind-text chat-pending");
    li.appendChild(el("span", "chat-who", gettext("You")));
    li.appendChild(el("p", "chat-text", text));
    li.appendChild(el("span", "chat-receipt small muted", gettext("Sending…")));
    log.appendChild(li); log.scrollTop = log.scrollHeight;
    pending[cid] = { li: li, body: text };
    if (!wsSend({ type: "send", body: text, client_id: cid })) {
      post(BASE + conv + "/messages/", { body: text, client_id: cid }).then(function (r) {
        return r.json().then(function (d) { if (!r.ok) { onError(d.error || {}); return; } (d.messages || []).forEach(add); });
      }).catch(function () { /* stays pending; resent on reconnect */ });
    }
    typing(false);
  }
  function act(name, data) {
    if (name === "handover" && wsSend({ type: "handover" })) return;
    if (name === "end" && wsSend({ type: "end" })) return;
    if (name === "feedback" && wsSend({ type: "feedback", helpful: data.helpful === "1" })) return;
    post(BASE + conv + "/" + name + "/", data || {}).then(poll);
  }
  function handover() { act("handover"); }
  function feedback(helpful) { act("feedback", { helpful: helpful ? "1" : "" }); }
  function typing(on) {
    if (on === typingSent) return;
    typingSent = on; wsSend({ type: "typing", on: on });
  }
  function markRead() {
    if (panel.hidden || lastId <= readSent || document.visibilityState === "hidden") return;
    readSent = lastId;
    if (!wsSend({ type: "read", last_id: lastId }) && conv) post(BASE + conv + "/read/", { last_id: lastId });
  }
  var launcherLabel = launcher.querySelector(".chat-launcher-label");
  function open() {
    panel.hidden = false; launcher.setAttribute("aria-expanded", "true"); launcherLabel.textContent = gettext("Hide chat");
    unread = 0; unreadEl.hidden = true;
    if (!conv) { if (!starting) start(); } else markRead();
    setTimeout(function () { input.focus(); }, 0);
  }
  function close() {
    panel.hidden = true; launcher.setAttribute("aria-expanded", "false"); launcherLabel.textContent = gettext("Chat with us");
    launcher.focus();
  }
  function begin(data) {
    conv = data.conversation;
    try { localStorage.setItem(STORE, "1"); } catch (e) { /* private mode */ }
    snapshot(data); connect();
    clearInterval(syncTimer);
    syncTimer = setInterval(function () { wsSend({ type: "sync", last_id: lastId }); }, 25000);
  }
  function start() {
    starting = true;
    setStatus(gettext("Starting a chat…"));
    post(BASE + "start/", {}).then(function (r) { if (!r.ok) throw r; return r.json(); }).then(function (d) {
      starting = false;
      log.textContent = ""; shown = {}; lastId = 0; readSent = 0; begin(d);
      beforeStart.splice(0).forEach(send);
    }).catch(function () {
      starting = false;
      setStatus(""); showError(gettext("The chat could not start. Check your connection and try again."));
      if (beforeStart.length && !input.value) input.value = beforeStart.splice(0).join("\n");
    });
  }

  launcher.addEventListener("click", function () { if (panel.hidden) open(); else close(); });
  root.querySelector(".chat-close").addEventListener("click", close);
  root.addEventListener("keydown", function (e) { if (e.key === "Escape" && !panel.hidden) close(); });
  form.addEventListener("submit", function (e) { e.preventDefault(); var t = input.value; input.value = ""; send(t); });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit")); }
  });
  input.addEventListener("input", function () {
    typing(!!input.value); clearTimeout(typingTimer);
    typingTimer = setTimeout(function () { typing(false); }, 3000);
  });
  root.querySelector("[data-act=handover]").addEventListener("click", handover);
  root.querySelector("[data-act=end]").addEventListener("click", function () { act("end"); });
  restartBtn.addEventListener("click", function () {
    if (ws) { ws.onclose = null; ws.close(); ws = null; wsOpen = false; }
    conv = null; start();
  });
  root.querySelector("[data-act=transcript]").addEventListener("click", function () {
    transcriptForm.hidden = !transcriptForm.hidden;
    if (!transcriptForm.hidden) (transcriptForm.querySelector("input") || transcriptForm.querySelector("button")).focus();
  });
  transcriptForm.addEventListener("submit", function (e) {
    e.preventDefault();
    var emailInput = transcriptForm.querySelector("input[name=email]");
    var note = transcriptForm.querySelector(".chat-transcript-note");
    post(BASE + conv + "/transcript/", { email: emailInput ? emailInput.value : "" }).then(function (r) {
      return r.json().then(function (d) {
        note.textContent = r.ok ? interpolate(gettext("Transcript sent to %s."), [d.to]) : (d.error && d.error.message) || gettext("Could not send it.");
      });
    }).catch(function () { note.textContent = gettext("Could not send it. Try again."); });
  });
  document.addEventListener("visibilitychange", markRead);

  var hinted = root.getAttribute("data-active") === "1";
  try { hinted = hinted || localStorage.getItem(STORE) === "1"; } catch (e) { /* private mode */ }
  if (hinted) {
    fetch(BASE + "current/", { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (d) {
      if (d.conversation) begin(d); else { try { localStorage.removeItem(STORE); } catch (e) {} }
    }).catch(function () {});
  }
})();
