// The helper picker (assistance/picker.py): Tom Select over the helpers'
// <select multiple>. The select itself still posts, so the page works the
// same without this file; every word shown comes from the page (translated
// on the server), none from here.
(function () {
  "use strict";
  if (typeof window.TomSelect === "undefined") return;
  var phone = window.matchMedia("(max-width: 767.98px)");

  function option(data, escape) {
    var full = data.full ? " helper-load-full" : "";
    return (
      '<div class="helper-option">' +
      '<span class="helper-name">' + escape(data.name || data.text) + "</span> " +
      '<span class="helper-meta">' + escape(data.number || "") + " · " +
      escape(data.workshop || "") + "</span>" +
      '<span class="helper-badges">' +
      '<span class="badge text-bg-light border">' + escape(data.standing || "") + "</span> " +
      '<span class="badge helper-load' + full + '">' + escape(data.loadText || "") + "</span>" +
      "</span></div>"
    );
  }

  function item(data, escape) {
    return "<div>" + escape(data.name || data.text) + "</div>";
  }

  function cancelPendingFilter() {
    // "this" is the Tom Select instance.
    if (this.refreshTimeout) {
      window.clearTimeout(this.refreshTimeout);
      this.refreshTimeout = null;
    }
  }

  document.querySelectorAll("select[data-helper-picker]").forEach(function (select) {
    var noResults = select.dataset.noResults || "";
    var picker = new window.TomSelect(select, {
      plugins: { remove_button: { title: select.dataset.remove || "" } },
      valueField: "value",
      labelField: "text",
      // Name, employee number and workshop only: typing "党员" should not
      // list every Party member.
      searchField: ["name", "number", "workshop"],
      // The groups keep the server's order: the worker's own workshop first.
      lockOptgroupOrder: true,
      maxOptions: null,
      closeAfterSelect: true,
      hidePlaceholder: true,
      render: {
        option: option,
        item: item,
        no_results: function (data, escape) {
          return '<div class="no-results">' + escape(noResults) + "</div>";
        },
      },
      // Tom Select filters 300 ms after the last keystroke. A helper tapped
      // (or the field left) within those 300 ms would otherwise be followed
      // by that late filtering, which reopens the list with every helper
      // over the form, and takes the focus back.
      onItemAdd: cancelPendingFilter,
      onBlur: cancelPendingFilter,
      onDropdownOpen: function () {
        // On a phone the on-screen keyboard takes the lower half: bring the
        // field to the top so that the list opens inside the viewport.
        if (phone.matches) picker.wrapper.scrollIntoView({ block: "start" });
      },
    });
    // Tom Select moves the field's <label> to its own input; the original
    // <select>, kept (visually hidden) for the form, keeps its name through
    // the same label.
    var label = document.getElementById(select.id + "-ts-label");
    if (label) select.setAttribute("aria-labelledby", label.id);
    // The Ctrl hint is for the native list only.
    var help = document.getElementById(select.id + "_helptext");
    if (help && select.dataset.help) help.textContent = select.dataset.help;
  });
})();
