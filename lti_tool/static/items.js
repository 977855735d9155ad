// The question widgets every page that asks questions shares (the attempt page and the
// adaptive practice page): the select-N limit (a tick beyond N is refused, with a message in
// the question's status line; the server refuses it too) and the ordered-response list
// (reordered by drag and drop or by Up / Down buttons, announced to screen readers).
// Without JavaScript the items' own forms work: checkboxes, and a position select per step.
//
// The page's own script (attempt.js: autosave) listens for "change" on its form: a refused
// tick stops here and never reaches it; a reorder sends one "change" from the first select.
(function () {
  "use strict";

  // The question's status line (p.item-status, role=alert) in the question section.
  function status(el, text) {
    var section = el.closest(".question");
    var line = section && section.querySelector(".item-status");
    if (line) { line.textContent = text; line.hidden = !text; }
  }

  // --- select N (and a bowtie's columns): the (N+1)th tick is stopped ---------------------
  document.addEventListener("change", function (ev) {
    var t = ev.target;
    var limitBox = t.closest && t.closest("[data-max-choices]");
    if (!limitBox || t.type !== "checkbox") return;
    var n = parseInt(limitBox.dataset.maxChoices, 10);
    if (t.checked && limitBox.querySelectorAll("input[type=checkbox]:checked").length > n) {
      t.checked = false;
      ev.stopPropagation();  // nothing changed: the page does not save
      var noun = limitBox.dataset.choiceNoun ? " " + limitBox.dataset.choiceNoun : "";
      status(t, "You can choose only " + n + noun + ". Untick one of your choices first.");
      return;
    }
    status(t, "");
  }, true);

  // --- ordered response: one list, reordered by drag and drop or Move up / Move down --------
  // The position selects stay the form fields (and the no-JavaScript interface); the list
  // writes into them, so a save or a post sends the same fields either way.
  document.querySelectorAll(".order-widget").forEach(function (widget) {
    var prefix = widget.dataset.orderPrefix;
    var fallback = widget.querySelector(".order-options");
    var rows = Array.prototype.map.call(fallback.querySelectorAll("li[data-option-id]"), function (li) {
      return {id: li.dataset.optionId, text: li.querySelector(".option-text").textContent,
              select: li.querySelector("select")};
    });
    var complete = rows.every(function (r) { return r.select.value; });
    if (complete) rows.sort(function (a, b) { return parseInt(a.select.value, 10) - parseInt(b.select.value, 10); });
    var locked = !!widget.closest("fieldset[disabled]");
    var list = document.createElement("ol");
    list.className = "order-list";
    list.setAttribute("aria-describedby", prefix + "-instruction");
    var live = document.createElement("p");
    live.className = "visually-hidden"; live.setAttribute("aria-live", "polite");
    var note = document.createElement("div");
    note.className = "order-note";
    var keep = document.createElement("button");
    keep.type = "button"; keep.className = "button small order-keep";
    keep.textContent = "Use this order as my answer";
    var noteText = document.createElement("p");
    noteText.textContent = "Not answered yet: move the steps into order, or keep this order if it is already right.";
    note.appendChild(noteText); note.appendChild(keep);
    note.hidden = complete || locked;

    function order() { return Array.prototype.map.call(list.children, function (li) { return li.dataset.id; }); }
    function commit(message) {
      var ids = order();
      rows.forEach(function (r) { r.select.value = String(ids.indexOf(r.id) + 1); });
      note.hidden = true;
      refreshButtons();
      if (message) live.textContent = message;
      rows[0].select.dispatchEvent(new Event("change", {bubbles: true}));
    }
    function refreshButtons() {
      var items = list.children;
      for (var i = 0; i < items.length; i++) {
        items[i].querySelector(".order-up").disabled = locked || i === 0;
        items[i].querySelector(".order-down").disabled = locked || i === items.length - 1;
      }
    }
    function move(li, delta, which) {
      var items = Array.prototype.slice.call(list.children);
      var from = items.indexOf(li), to = from + delta;
      if (to < 0 || to >= items.length) return;
      if (delta < 0) list.insertBefore(li, items[to]); else list.insertBefore(li, items[to].nextSibling);
      commit("“" + li.dataset.text + "” moved to position " + (to + 1) + " of " + items.length + ".");
      var again = li.querySelector(which);
      if (again.disabled) again = li.querySelector(which === ".order-up" ? ".order-down" : ".order-up");
      again.focus();
    }
    rows.forEach(function (r) {
      var li = document.createElement("li");
      li.dataset.id = r.id; li.dataset.text = r.text;
      li.draggable = !locked;
      li.innerHTML = '<div class="order-row"><span class="order-handle" aria-hidden="true">⠿</span><span class="order-text"></span>' +
        '<span class="order-moves"><button type="button" class="button small order-up"></button>' +
        '<button type="button" class="button small order-down"></button></span></div>';
      li.querySelector(".order-text").textContent = r.text;
      var up = li.querySelector(".order-up"), down = li.querySelector(".order-down");
      up.innerHTML = '<span aria-hidden="true">↑</span> Up'; down.innerHTML = '<span aria-hidden="true">↓</span> Down';
      up.setAttribute("aria-label", "Move up: " + r.text);
      down.setAttribute("aria-label", "Move down: " + r.text);
      up.addEventListener("click", function () { move(li, -1, ".order-up"); });
      down.addEventListener("click", function () { move(li, 1, ".order-down"); });
      li.addEventListener("dragstart", function (ev) {
        li.classList.add("dragging");
        ev.dataTransfer.effectAllowed = "move";
        ev.dataTransfer.setData("text/plain", r.id);
      });
      li.addEventListener("dragend", function () { li.classList.remove("dragging"); });
      li.addEventListener("dragover", function (ev) { ev.preventDefault(); li.classList.add("drop-target"); });
      li.addEventListener("dragleave", function () { li.classList.remove("drop-target"); });
      li.addEventListener("drop", function (ev) {
        ev.preventDefault();
        li.classList.remove("drop-target");
        var dragged = list.querySelector('li[data-id="' + ev.dataTransfer.getData("text/plain") + '"]');
        if (!dragged || dragged === li) return;
        var items = Array.prototype.slice.call(list.children);
        // Dropped on a later step: go after it; on an earlier one: before it.
        if (items.indexOf(dragged) < items.indexOf(li)) list.insertBefore(dragged, li.nextSibling);
        else list.insertBefore(dragged, li);
        commit("“" + dragged.dataset.text + "” moved to position " + (order().indexOf(dragged.dataset.id) + 1) + ".");
      });
      list.appendChild(li);
    });
    keep.addEventListener("click", function () { commit("Order kept as your answer."); list.querySelector(".order-up, .order-down").focus(); });
    refreshButtons();
    fallback.hidden = true;
    var nojs = widget.closest(".item").querySelector(".order-nojs");
    if (nojs) nojs.hidden = true;
    widget.appendChild(list);
    widget.appendChild(note);
    widget.appendChild(live);
  });
  if (window.rapportFrameResize) window.rapportFrameResize();
  document.body.dataset.itemsReady = "1";  // for tests: the widgets are in place
})();
