// Live updates: the server sends an event whenever a node changes state;
// the page re-renders its main section in place, without a reload.
(function () {
  var status = document.getElementById("live");
  var pending = false;
  function refresh() {
    if (pending) return;
    pending = true;
    setTimeout(function () {
      fetch(window.location.href, { headers: { "X-Plumb-Partial": "1" } })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) {
          var main = document.querySelector("main");
          if (main) { main.innerHTML = html; }
          document.dispatchEvent(new Event("plumb:updated"));
        })
        .catch(function () {})
        .then(function () { pending = false; });
    }, 150);
  }
  if (window.EventSource) {
    var es = new EventSource("/events");
    es.onopen = function () { if (status) status.textContent = "live"; };
    es.onerror = function () { if (status) status.textContent = "reconnecting…"; };
    es.addEventListener("node", refresh);
  }
  function csrf() {
    var m = document.cookie.match(/(?:^|; )plumb_csrf=([^;]*)/);
    return m ? m[1] : "";
  }
  // A session (not an unauthenticated development collector) can end.
  var logout = document.getElementById("logout");
  if (logout && csrf()) {
    logout.hidden = false;
    logout.addEventListener("click", function () {
      fetch("/logout", { method: "POST", headers: { "x-csrf-token": csrf() } })
        .then(function () { window.location.href = "/login"; });
    });
  }
  // Operator actions (acknowledge / retire / clear) go to the REST API.
  document.addEventListener("click", function (ev) {
    var b = ev.target.closest("button[data-action]");
    if (!b) return;
    var verb = b.getAttribute("data-action");
    b.disabled = true;
    fetch("/api/v1/nodes/" + encodeURIComponent(b.getAttribute("data-node")) + "/" + verb, {
      method: "POST",
      // The session's CSRF token (double submit; the server checks it).
      headers: { "content-type": "application/json", "x-csrf-token": csrf() },
      body: JSON.stringify(verb === "clear"
        ? { reason: (document.getElementById("clear-reason") || {}).value || "" }
        : { cause: (verb === "ack" ? "acknowledged" : "retired") + " from the dashboard" })
    }).then(function (r) {
      if (!r.ok) { return r.json().then(function (e) { window.alert(e.error || r.status); }); }
    }).then(refresh);
  });
})();
