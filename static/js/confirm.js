// A second step before an action that cannot be undone: a form with data-confirm="#modal-id"
// opens that modal instead of posting; the modal's own form posts with confirm=1. Without
// JavaScript (or Bootstrap) the form posts as it is and the server answers with a review page.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-confirm")) return;
    var modal = document.querySelector(form.getAttribute("data-confirm"));
    if (!modal || !window.bootstrap || !window.bootstrap.Modal) return;
    event.preventDefault();
    window.bootstrap.Modal.getOrCreateInstance(modal).show();
  });
})();
