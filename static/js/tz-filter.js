/* A search box above a long grouped <select> (the time-zone picker): typing narrows the options
   and their groups; the select itself stays the form's field, so without JavaScript it works too. */
(function () {
  "use strict";
  document.querySelectorAll("select[data-filter-label]").forEach(function (select) {
    var box = document.createElement("input");
    box.type = "search";
    box.className = "form-control form-control-sm mb-1";
    box.id = select.id + "_filter";
    box.placeholder = select.dataset.filterPlaceholder || "";
    box.setAttribute("aria-label", select.dataset.filterLabel);
    box.setAttribute("aria-controls", select.id);
    select.insertAdjacentElement("beforebegin", box);
    box.addEventListener("input", function () {
      var words = box.value.trim().toLowerCase().replace(/\s+/g, " ");
      var first = null;
      select.querySelectorAll("optgroup").forEach(function (group) {
        var shown = 0;
        group.querySelectorAll("option").forEach(function (option) {
          var text = (group.label + " " + option.textContent + " " + option.value).toLowerCase().replace(/_/g, " ");
          var match = !words || text.indexOf(words) !== -1;
          option.hidden = !match;
          if (match) { shown += 1; if (!first) first = option; }
        });
        group.hidden = shown === 0;
      });
      if (first && words) select.value = first.value;
    });
  });
})();
