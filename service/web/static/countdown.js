// The attempt's time left, counted down in the page. The server's figure is the truth:
// it decides whether a submission is in time; this only shows it.
(function () {
  "use strict";
  var clock = document.getElementById("countdown");
  if (!clock) return;
  var ends = Date.now() + Number(clock.dataset.secondsLeft) * 1000;
  function two(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var left = Math.max(0, Math.round((ends - Date.now()) / 1000));
    var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
    clock.textContent = (h ? h + ":" + two(m) : m) + ":" + two(s) + (left ? "" : " — time is up");
    if (left) window.setTimeout(tick, 1000);
    else window.setTimeout(function () { window.location.reload(); }, 3000);
  }
  tick();
})();
