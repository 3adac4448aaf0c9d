// Live countdowns: <span class="countdown" data-deadline="ISO-8601">fallback text</span>.
// The fallback, rendered by the server, stays when scripts are off.
(function () {
  "use strict";
  var lang = document.documentElement.lang || "en";
  var units = lang.indexOf("ru") === 0
    ? { d: " д", h: " ч", m: " мин", left: "осталось", over: "просрочено на", leftFirst: true }
    : { d: "d", h: "h", m: "m", left: "left", over: "overdue by", leftFirst: false };

  function format(ms) {
    var total = Math.floor(Math.abs(ms) / 60000);
    var days = Math.floor(total / 1440), hours = Math.floor((total % 1440) / 60), minutes = total % 60;
    var parts = [];
    if (days) parts.push(days + units.d);
    if (days || hours) parts.push(hours + units.h);
    parts.push(minutes + units.m);
    return parts.join(" ");
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll(".countdown[data-deadline]").forEach(function (el) {
      var deadline = Date.parse(el.getAttribute("data-deadline"));
      if (isNaN(deadline)) return;
      var ms = deadline - now;
      var left = units.leftFirst ? units.left + " " + format(ms) : format(ms) + " " + units.left;
      el.textContent = ms >= 0 ? left : units.over + " " + format(ms);
      el.classList.toggle("is-overdue", ms < 0);
    });
  }

  tick();
  setInterval(tick, 30000);
})();
