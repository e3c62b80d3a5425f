// Catch Up: small progressive enhancements. No inline scripts (CSP).
(function () {
  "use strict";
  // Forms marked data-once refuse a second submit (a double-clicked import).
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.submitted) {
        event.preventDefault();
        return;
      }
      // Not disabling the button: a disabled submitter's name/value
      // would be left out of the form data.
      form.dataset.submitted = "1";
      form.setAttribute("aria-busy", "true");
    });
  });
  // Elements with data-confirm ask before submitting.
  document.querySelectorAll("[data-confirm]").forEach(function (el) {
    el.addEventListener("click", function (event) {
      if (!window.confirm(el.dataset.confirm)) event.preventDefault();
    });
  });
})();
