// Help cases: small enhancements; every page works without them.
(function () {
  "use strict";
  // Opening cases: the measure follows the cause until the user picks one.
  var data = document.getElementById("suggested-measures");
  if (data) {
    var suggested = JSON.parse(data.textContent);
    document.querySelectorAll(".open-row").forEach(function (row) {
      var cause = row.querySelector("select[data-cause]");
      var measure = row.querySelector("select[data-measure]");
      if (!cause || !measure) return;
      measure.addEventListener("change", function () {
        measure.dataset.touched = "1";
      });
      cause.addEventListener("change", function () {
        if (!measure.dataset.touched && suggested[cause.value]) {
          measure.value = suggested[cause.value];
        }
      });
    });
  }
  // Follow-up: the aid fields matter only for "aid granted".
  var aid = document.getElementById("aid-fields");
  if (aid) {
    var kinds = document.querySelectorAll("#followup-kinds input[type=radio]");
    var show = function () {
      var checked = document.querySelector("#followup-kinds input:checked");
      var hasAmount = aid.querySelector("input[name=aid_amount]").value !== "";
      aid.hidden = !hasAmount && !(checked && checked.value === "aid_granted");
    };
    kinds.forEach(function (radio) {
      radio.addEventListener("change", show);
    });
    show();
  }
})();
