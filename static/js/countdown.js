// Live countdowns: <span class="countdown" data-deadline="ISO-8601" data-left="… {time} …"
// data-overdue="… {time} …">fallback text</span>. The fallback, rendered by the server, stays when
// scripts are off. The phrases come from the server's translations; the units and their plural
// forms from Intl in the page's <html lang>, so every language the site speaks reads correctly.
(function () {
  "use strict";
  var lang = document.documentElement.lang || "en";

  function unitFormat(unit) {
    return new Intl.NumberFormat(lang, { style: "unit", unit: unit, unitDisplay: "long" });
  }

  var day = unitFormat("day"), hour = unitFormat("hour"), minute = unitFormat("minute");
  var list = new Intl.ListFormat(lang, { style: "long", type: "unit" });

  function format(ms) {
    var total = Math.floor(Math.abs(ms) / 60000);
    var days = Math.floor(total / 1440), hours = Math.floor((total % 1440) / 60), minutes = total % 60;
    var parts = [];
    if (days) parts.push(day.format(days));
    if (days || hours) parts.push(hour.format(hours));
    parts.push(minute.format(minutes));
    return list.format(parts);
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll(".countdown[data-deadline]").forEach(function (el) {
      var deadline = Date.parse(el.getAttribute("data-deadline"));
      var phrase = el.getAttribute(deadline >= now ? "data-left" : "data-overdue");
      if (isNaN(deadline) || !phrase) return;
      el.textContent = phrase.replace("{time}", format(deadline - now));
      el.classList.toggle("is-overdue", deadline < now);
    });
  }

  tick();
  setInterval(tick, 30000);
})();
