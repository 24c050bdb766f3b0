/* Web push opt-in (the "Browser notifications" block): registers the service worker at the
   site root, asks the browser's permission only when the shopper clicks, subscribes with the
   shop's VAPID key and sends the subscription to the server (CSRF token from the block).
   Turning off unsubscribes this browser and tells the server to forget it. */
(function () {
  "use strict";
  var box = document.getElementById("push-optin");
  if (!box) { return; }
  var statusLine = box.querySelector("[data-push-status]");
  var enable = box.querySelector("[data-push-enable]");
  var disable = box.querySelector("[data-push-disable]");

  function say(text) { statusLine.textContent = text; }

  // The shopper reads the status line; the reason a step failed goes to the console for
  // whoever looks into it (a failure was silent before).
  function report(step, error) {
    if (window.console) { window.console.error("push opt-in: " + step + " failed:", error && error.name, error && error.message); }
  }

  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    say(box.dataset.msgUnsupported);
    return;
  }

  function csrfToken() {
    var input = box.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }

  function registration() {
    return navigator.serviceWorker.register(box.dataset.swUrl, { scope: "/" }).then(function () {
      return navigator.serviceWorker.ready;
    });
  }

  function tellServer(method, body) {
    return fetch(box.dataset.subscriptionUrl, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (!response.ok) { throw new Error("server " + response.status); }
      return response.json();
    });
  }

  function show(on) {
    enable.hidden = on;
    disable.hidden = !on;
    if (on) {
      say(box.dataset.msgOn);
    } else if (Notification.permission === "denied") {
      say(box.dataset.msgBlocked);
      enable.hidden = true;
    } else {
      say(box.dataset.msgOff);
    }
  }

  registration()
    .then(function (reg) { return reg.pushManager.getSubscription(); })
    .then(function (subscription) { show(Boolean(subscription) && box.dataset.granted === "true"); })
    .catch(function (error) { report("checking this browser", error); say(box.dataset.msgUnsupported); });

  enable.addEventListener("click", function () {
    enable.disabled = true;
    say(box.dataset.msgAsking);
    Notification.requestPermission()
      .then(function (permission) {
        if (permission !== "granted") { throw new Error(permission); }
        return Promise.all([
          registration(),
          fetch(box.dataset.keyUrl, { credentials: "same-origin" }).then(function (r) { return r.json(); })
        ]);
      })
      .then(function (both) {
        return both[0].pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(both[1].publicKey) });
      })
      .then(function (subscription) { return tellServer("POST", subscription.toJSON()); })
      .then(function () { box.dataset.granted = "true"; show(true); })
      .catch(function (error) {
        if (error && error.message === "denied") { show(false); return; }
        if (error && error.message === "default") { say(box.dataset.msgDismissed); return; }
        report("turning on", error);
        say(box.dataset.msgFailed);
      })
      .then(function () { enable.disabled = false; });
  });

  disable.addEventListener("click", function () {
    disable.disabled = true;
    registration()
      .then(function (reg) { return reg.pushManager.getSubscription(); })
      .then(function (subscription) {
        if (!subscription) { return null; }
        var endpoint = subscription.endpoint;
        return subscription.unsubscribe().then(function () { return tellServer("DELETE", { endpoint: endpoint }); });
      })
      .then(function () { box.dataset.granted = "false"; show(false); })
      .catch(function (error) { report("turning off", error); say(box.dataset.msgOffFailed); })
      .then(function () { disable.disabled = false; });
  });
})();
