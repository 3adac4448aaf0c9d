// The open-dispute form: offer only the reasons that fit the "received?" answer, and show the
// amount only for a partial refund. Without JavaScript every field shows (the reasons grouped by
// answer) and the server refuses a reason that does not fit.
(function () {
  "use strict";
  var form = document.querySelector("form[data-dispute-form]");
  if (!form) return;
  var reason = form.querySelector("select[name=reason]");
  var ifNotReceived = (reason.getAttribute("data-reasons-if-not-received") || "").split(" ");
  var amount = form.querySelector("input[name=amount]");
  var amountBox = amount && (amount.closest(".mb-3") || amount.parentElement);

  function checked(name) {
    var input = form.querySelector("input[name=" + name + "]:checked");
    return input ? input.value : "";
  }

  function filterReasons() {
    var received = checked("item_received");
    Array.prototype.forEach.call(reason.options, function (option) {
      if (!option.value) return;
      var fits = !received || (received === "no") === (ifNotReceived.indexOf(option.value) !== -1);
      option.disabled = !fits;
      option.hidden = !fits;
    });
    Array.prototype.forEach.call(reason.querySelectorAll("optgroup"), function (group) {
      group.hidden = Array.prototype.every.call(group.children, function (o) { return o.hidden; });
    });
    if (reason.selectedOptions.length && reason.selectedOptions[0].disabled) reason.value = "";
    if (received === "no" && !reason.value) reason.value = ifNotReceived[0];
  }

  function toggleAmount() {
    if (!amountBox) return;
    var partial = checked("refund_type") === "partial";
    amountBox.hidden = !partial;
    amount.required = partial;
  }

  form.addEventListener("change", function (event) {
    if (event.target.name === "item_received") filterReasons();
    if (event.target.name === "refund_type") toggleAmount();
  });
  filterReasons();
  toggleAmount();
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
