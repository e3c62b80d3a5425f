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
  // Progress bars: the width comes from data-width-pct and is set through
  // the CSSOM, which the CSP allows (a style attribute it would block).
  document.querySelectorAll("[data-width-pct]").forEach(function (bar) {
    bar.style.width = bar.dataset.widthPct + "%";
  });
  // Elements with data-confirm ask before submitting.
  document.querySelectorAll("[data-confirm]").forEach(function (el) {
    el.addEventListener("click", function (event) {
      if (!window.confirm(el.dataset.confirm)) event.preventDefault();
    });
  });
})();
