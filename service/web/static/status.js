// Live status of a submission: ask the server every second or two until grading is done,
// then reload once to show the result. No reload by hand, no framework.
(function () {
  "use strict";
  var card = document.getElementById("status");
  if (!card || card.dataset.done === "true") return;
  var url = card.dataset.statusUrl;
  var text = document.getElementById("status-text");
  var words = {queued: "Waiting in the queue", running: "Running the tests",
               graded: "Graded", failed: "Could not be graded"};
  var delay = 1000;
  function poll() {
    fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin", cache: "no-store"})
      .then(function (r) {
        // The session ended: the page itself will now ask to sign in.
        if (r.redirected || r.status === 401) { window.location.reload(); throw new Error("signed out"); }
        if (!r.ok) throw new Error(r.status);
        return r.json();
      })
      .then(function (body) {
        text.textContent = words[body.status] || body.status;
        text.className = "status status-" + body.status;
        if (body.done) { window.location.reload(); return; }
        delay = 1000;
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        delay = Math.min(delay * 2, 10000);  // the server is busy or away: back off, keep trying
        window.setTimeout(poll, delay);
      });
  }
  window.setTimeout(poll, delay);
})();
