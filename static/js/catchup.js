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
  // A table too wide for a phone scrolls inside its .table-responsive
  // wrapper; a keyboard can scroll it only if the wrapper takes the focus,
  // and a focusable region needs a name: the nearest heading before it (by
  // its id when it has one), else the table's caption. Done here rather
  // than in each template so that every wrapper, present and future, gets it.
  var headingBefore = function (node) {
    for (var el = node; el && el.tagName !== "MAIN" && el !== document.body; el = el.parentElement) {
      for (var prev = el.previousElementSibling; prev; prev = prev.previousElementSibling) {
        if (/^H[1-6]$/.test(prev.tagName)) return prev;
        var inner = prev.querySelectorAll("h1, h2, h3, h4, h5, h6");
        if (inner.length) return inner[inner.length - 1];
      }
    }
    return null;
  };
  document.querySelectorAll(".table-responsive").forEach(function (wrapper, index) {
    if (wrapper.hasAttribute("tabindex")) return;
    wrapper.setAttribute("tabindex", "0");
    wrapper.setAttribute("role", "region");
    var caption = wrapper.querySelector("caption");
    var heading = headingBefore(wrapper);
    if (caption && caption.textContent.trim()) {
      if (!caption.id) caption.id = "table-caption-" + index;
      wrapper.setAttribute("aria-labelledby", caption.id);
    } else if (heading) {
      if (!heading.id) heading.id = "table-heading-" + index;
      wrapper.setAttribute("aria-labelledby", heading.id);
    } else {
      wrapper.setAttribute("aria-label", document.title.split(" · ")[0]);
    }
  });
  // A bar stuck to the bottom of the window (the classification queue's
  // save bar) would cover the field that Tab moves to: the page keeps that
  // much room clear (html's scroll-padding-bottom, catchup.css), measured
  // here because the bar wraps to two lines on a phone.
  var bars = document.querySelectorAll(".position-sticky.bottom-0, .sticky-bottom, .fixed-bottom");
  if (bars.length) {
    var keepClear = function () {
      var tallest = 0;
      bars.forEach(function (bar) {
        tallest = Math.max(tallest, bar.getBoundingClientRect().height);
      });
      document.documentElement.style.setProperty("--catchup-bottom-bar", Math.ceil(tallest) + 8 + "px");
    };
    keepClear();
    // Chromium does not always honour scroll-padding when Tab moves the
    // focus onto a field that is inside the window but under the bar: lift
    // the page by what the bar covers (a big region, taller than the room
    // above the bar, is left alone).
    var lift = function (el) {
      var barTop = Infinity;
      bars.forEach(function (bar) {
        if (bar.contains(el)) barTop = -Infinity;
        barTop = Math.min(barTop, bar.getBoundingClientRect().top);
      });
      var box = el.getBoundingClientRect();
      if (barTop > 0 && box.bottom > barTop && box.height < barTop) {
        // "instant": Bootstrap makes the page scroll smoothly, which would
        // leave the field under the bar for a moment after each Tab.
        window.scrollBy({ top: box.bottom - barTop + 8, behavior: "instant" });
      }
    };
    document.addEventListener("focusin", function (event) {
      lift(event.target);
      window.requestAnimationFrame(function () { lift(event.target); });
    });
    if (window.ResizeObserver) {
      var observer = new ResizeObserver(keepClear);
      bars.forEach(function (bar) { observer.observe(bar); });
    } else {
      window.addEventListener("resize", keepClear);
    }
  }
  // After a failed submit the error summary (includes/error_summary.html)
  // takes the focus, so a screen reader reads it and Tab goes on to its
  // links; its links focus the field they name.
  var summary = document.querySelector(".error-summary");
  if (summary) {
    summary.focus();
    summary.querySelectorAll("a[href^='#']").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var id = link.getAttribute("href").slice(1);
        // A group of radios or checkboxes is named by its first option.
        var field = document.getElementById(id) || document.getElementById(id + "_0");
        if (!field) return;
        event.preventDefault();
        field.focus();
      });
    });
  }
})();
