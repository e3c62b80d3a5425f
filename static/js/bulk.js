// Bulk actions: a "tick all" box over a list of checkboxes. The pages work
// without it (each list has a "tick every row" link that needs no script).
(function () {
  "use strict";
  document.querySelectorAll("input[data-select-all]").forEach(function (all) {
    var form = all.getAttribute("data-select-all");
    var boxes = function () {
      return document.querySelectorAll(
        "input[type=checkbox][form='" + form + "']:not([data-select-all])"
      );
    };
    all.hidden = false;
    all.addEventListener("change", function () {
      boxes().forEach(function (box) {
        box.checked = all.checked;
      });
    });
  });
})();
