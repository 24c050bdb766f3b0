// Console: "Insert saved reply" puts the reply (tokens filled by the server) at the cursor
// in the reply box without reloading the page. Without JavaScript the picker is a GET form
// that reloads the case page with the reply box pre-filled.
document.addEventListener("DOMContentLoaded", function () {
  var picker = document.querySelector("form.saved-reply-picker");
  var reply = document.querySelector("#case-reply-form textarea[name=body]");
  if (!picker || !reply) return;
  picker.addEventListener("submit", function (event) {
    var id = picker.querySelector("select[name=saved_reply]").value;
    if (!id) { event.preventDefault(); return; }
    event.preventDefault();
    var url = picker.dataset.renderUrl.replace("/0/", "/" + encodeURIComponent(id) + "/") + "?case=" + encodeURIComponent(picker.dataset.case);
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { if (!response.ok) throw new Error(response.status); return response.json(); })
      .then(function (data) {
        var start = reply.selectionStart || 0, end = reply.selectionEnd || 0, text = reply.value;
        reply.value = text.slice(0, start) + data.text + text.slice(end);
        var kind = document.querySelector("#case-reply-form [name=kind]");
        if (kind) kind.value = "reply";
        reply.focus();
        reply.selectionStart = reply.selectionEnd = start + data.text.length;
      })
      .catch(function () { picker.submit(); });
  });
});
