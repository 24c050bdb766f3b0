/* Campaign admin: the "SMS length" line follows the SMS text as it is typed (the server
   counts: one implementation of the GSM-7 / UCS-2 rules), and the form shows the fields of
   the chosen channel only (subject and preheader for email, SMS text for SMS). */
(function () {
  "use strict";
  var script = document.currentScript;
  var url = script && script.dataset.url;
  var textarea = document.querySelector("textarea[data-sms-length]");
  var channel = document.getElementById("id_channel");
  var line = document.querySelector(".field-sms_length .readonly");
  var token = document.querySelector("input[name=csrfmiddlewaretoken]");

  function rows(names, shown) {
    names.forEach(function (name) {
      var row = document.querySelector(".form-row.field-" + name);
      if (row) { row.hidden = !shown; }
    });
  }

  function showChannel() {
    if (!channel) { return; }
    var sms = channel.value === "sms";
    rows(["subject", "preheader"], !sms);
    rows(["sms_text", "sms_length"], sms);
    var blocks = document.getElementById("blocks-group");
    if (blocks) { blocks.hidden = sms; }
  }

  var timer = null;
  function measure() {
    if (!url || !textarea || !line) { return; }
    var body = new URLSearchParams();
    body.set("text", textarea.value);
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token ? token.value : "" },
      body: body
    }).then(function (r) { return r.json(); }).then(function (data) {
      if (data.html) { line.innerHTML = data.html; }
    }).catch(function () { /* the saved figure stays */ });
  }

  if (textarea) {
    textarea.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(measure, 250);
    });
  }
  if (channel) { channel.addEventListener("change", showChannel); }
  showChannel();
  if (textarea && textarea.value) { measure(); }
})();
