// The person picker: type part of a name or an email, then choose from the matches with the
// arrow keys and Enter, or a tap. It follows the ARIA combobox pattern (a text box that controls a
// listbox, the highlighted option named by aria-activedescendant, the number of matches announced).
// Without JavaScript the box is a plain text field and the server works out who was meant.
(function () {
  "use strict";
  var DELAY_MS = 150;

  function plural(n, one, many) { return n === 1 ? one : many; }

  function setup(root) {
    var input = root.querySelector("input[type=text]");
    var url = root.getAttribute("data-search-url");
    if (!input || !url || !input.id) { return; }
    var minLength = parseInt(root.getAttribute("data-min-length"), 10) || 2;
    var valueName = input.name.replace(/_query$/, "");
    var hidden = root.querySelector("[data-person-picker-value]");
    var chosen = root.querySelector("[data-person-picker-chosen]");

    var list = document.createElement("ul");
    list.id = input.id + "_listbox";
    list.className = "picker-list";
    list.setAttribute("role", "listbox");
    var label = document.querySelector("label[for='" + input.id + "']");
    if (label) {
      if (!label.id) { label.id = input.id + "_label"; }
      list.setAttribute("aria-labelledby", label.id);
    }
    list.hidden = true;
    input.insertAdjacentElement("afterend", list);

    var empty = document.createElement("p");
    empty.className = "picker-empty";
    empty.hidden = true;
    list.insertAdjacentElement("afterend", empty);

    var status = document.createElement("div");
    status.className = "nhsuk-u-visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    status.setAttribute("aria-atomic", "true");
    root.appendChild(status);

    var help = document.createElement("span");
    help.id = input.id + "_pickerhelp";
    help.className = "nhsuk-u-visually-hidden";
    help.textContent = "As you type, matching people are listed. Use the up and down arrows to move through them and Enter to choose.";
    root.appendChild(help);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    described.push(help.id);
    input.setAttribute("aria-describedby", described.join(" "));

    var results = [];
    var active = -1;
    var timer = null;
    var pending = null;

    function announce(text) {
      // Emptied first, so the same words said twice are still read out.
      status.textContent = "";
      window.setTimeout(function () { status.textContent = text; }, 50);
    }

    function valueInput() {
      if (!hidden) {
        hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = valueName;
        hidden.setAttribute("data-person-picker-value", "");
        root.appendChild(hidden);
      }
      return hidden;
    }

    // The "which did you mean" choices belong to the text that was sent; new text makes them stale.
    function dropServerChoices() {
      var matches = root.querySelector("[data-person-picker-matches]");
      if (matches) { matches.parentNode.removeChild(matches); }
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var options = list.querySelectorAll("[role=option]");
      active = index;
      options.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      if (index >= 0 && options[index]) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function choose(index) {
      var person = results[index];
      if (!person) { return; }
      input.value = person.name;
      dropServerChoices();
      valueInput().value = String(person.id);
      if (chosen) {
        chosen.textContent = "Chosen: ";
        var name = document.createElement("strong");
        name.textContent = person.name;
        chosen.appendChild(name);
        if (person.detail) { chosen.appendChild(document.createTextNode(", " + person.detail)); }
        chosen.hidden = false;
      }
      close();
      empty.hidden = true;
      announce(person.name + " chosen.");
    }

    function render(found, query) {
      results = found.results || [];
      list.textContent = "";
      results.forEach(function (person, i) {
        var option = document.createElement("li");
        option.id = list.id + "_" + i;
        option.className = "picker-option";
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        var name = document.createElement("span");
        name.className = "picker-name";
        name.textContent = person.name;
        option.appendChild(name);
        var detail = [person.detail, person.email].filter(Boolean).join(" · ");
        if (detail) {
          var more = document.createElement("span");
          more.className = "picker-detail";
          more.textContent = detail;
          option.appendChild(more);
        }
        // Keep the focus in the box, so choosing with a tap doesn't first blur (and close) the list.
        option.addEventListener("mousedown", function (event) { event.preventDefault(); });
        option.addEventListener("click", function () { choose(i); });
        list.appendChild(option);
      });
      if (!results.length) {
        close();
        empty.textContent = "No one matches “" + query + "”. Check the spelling, or type their work email.";
        empty.hidden = false;
        announce("No one matches.");
        return;
      }
      empty.hidden = true;
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      highlight(-1);
      var count = found.more
        ? "More than " + results.length + " people match; the first " + results.length + " are listed. Type more to narrow it down."
        : results.length + " " + plural(results.length, "person matches", "people match") + ".";
      announce(count + " Use the up and down arrows to review and Enter to choose.");
    }

    function search() {
      var query = input.value.trim();
      if (pending) { pending.abort(); pending = null; }
      if (query.length < minLength) {
        results = [];
        list.textContent = "";
        close();
        empty.hidden = true;
        return;
      }
      pending = new AbortController();
      fetch(url + "?q=" + encodeURIComponent(query), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        signal: pending.signal
      })
        .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
        .then(function (found) {
          // An answer for text that has since changed is dropped.
          if (input.value.trim() === query) { render(found, query); }
        })
        .catch(function () { /* aborted or failed: the server still resolves the text on submit */ });
    }

    input.addEventListener("input", function () {
      if (hidden) { hidden.value = ""; }
      if (chosen) { chosen.hidden = true; }
      dropServerChoices();
      window.clearTimeout(timer);
      timer = window.setTimeout(search, DELAY_MS);
    });

    input.addEventListener("keydown", function (event) {
      var open = !list.hidden;
      if (event.key === "ArrowDown") {
        if (!results.length) { return; }
        event.preventDefault();
        if (!open) { list.hidden = false; input.setAttribute("aria-expanded", "true"); }
        highlight(active + 1 >= results.length ? 0 : active + 1);
      } else if (event.key === "ArrowUp") {
        if (!results.length) { return; }
        event.preventDefault();
        if (!open) { list.hidden = false; input.setAttribute("aria-expanded", "true"); }
        highlight(active <= 0 ? results.length - 1 : active - 1);
      } else if (event.key === "Enter") {
        // Enter chooses from the open list; it sends the form only when no list is open.
        if (open && active >= 0) {
          event.preventDefault();
          choose(active);
        } else if (open && results.length === 1) {
          event.preventDefault();
          choose(0);
        }
      } else if (event.key === "Escape") {
        if (open) {
          event.preventDefault();
          close();
        }
      }
    });

    input.addEventListener("blur", close);
  }

  document.querySelectorAll("[data-person-picker]").forEach(setup);
})();
