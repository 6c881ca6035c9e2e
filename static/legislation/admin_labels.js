// Accessible names for what the admin draws with JavaScript or leaves blank on the country
// page: Select2 (Django's autocomplete widget) does not pass a select's aria-label on to the
// combobox it draws, and the tabular inline's first and hidden columns have empty headings.
'use strict';
(function () {
  function nameSelect2(select) {
    const box = select.nextElementSibling;
    if (!box || !box.classList.contains('select2')) return;
    box.querySelectorAll('[role="combobox"], [role="textbox"], .select2-search__field').forEach(function (el) {
      el.setAttribute('aria-label', select.getAttribute('aria-label'));
    });
  }
  function nameAll() {
    document.querySelectorAll('select.admin-autocomplete[aria-label]').forEach(nameSelect2);
    document.querySelectorAll('.tabular thead th').forEach(function (th) {
      if (th.textContent.trim() === '') {
        const label = document.createElement('span');
        label.className = 'visually-hidden';
        label.textContent = th.classList.contains('original') ? 'Row' : 'Version';
        th.appendChild(label);
      }
    });
  }
  window.addEventListener('load', function () {
    nameAll();
    // Select2 may draw a row's widgets after this runs: name them as they appear.
    new MutationObserver(function () {
      document.querySelectorAll('select.admin-autocomplete[aria-label]').forEach(nameSelect2);
    }).observe(document.body, {childList: true, subtree: true});
    if (window.django && window.django.jQuery) {
      // A multiple select redraws its search field after each choice.
      window.django.jQuery(document).on('change', 'select.admin-autocomplete', function () {
        nameSelect2(this);
      });
    }
  });
})();
