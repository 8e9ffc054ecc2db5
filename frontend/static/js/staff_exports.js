// Downloads a staff export while showing how far it got. The server sends the number of
// rows ahead (X-Export-Rows), then the CSV line by line; counting the lines received gives
// the progress. Without JavaScript (or fetch streams) the form downloads the file plainly.
(function () {
  "use strict";

  function filenameOf(response) {
    var match = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
    return match ? match[1] : "export.csv";
  }

  function setup() {
    var form = document.querySelector("form[data-export-form]");
    var box = document.getElementById("export-progress");
    if (!form || !box || !window.fetch || !window.ReadableStream || !window.TextDecoder) {
      return;
    }
    var bar = document.getElementById("export-progress-bar");
    var text = document.getElementById("export-progress-text");
    var linkHolder = document.getElementById("export-progress-link");

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var url = form.action + "?" + new URLSearchParams(new FormData(form)).toString();
      box.hidden = false;
      bar.removeAttribute("value");
      text.textContent = "";
      linkHolder.textContent = "";
      fetch(url, { credentials: "same-origin" }).then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (!response.ok || type.indexOf("text/csv") !== 0) {
          // A form error: show the page the server answered with, errors and all.
          window.location.assign(url);
          return;
        }
        var total = parseInt(response.headers.get("X-Export-Rows") || "0", 10);
        bar.max = Math.max(total, 1);
        var reader = response.body.getReader();
        var decoder = new TextDecoder();
        var parts = [];
        var lines = 0;
        var spoken = -1;
        function pump() {
          return reader.read().then(function (chunk) {
            if (chunk.done) {
              return;
            }
            var piece = decoder.decode(chunk.value, { stream: true });
            parts.push(piece);
            lines += (piece.match(/\n/g) || []).length;
            var rows = Math.min(Math.max(lines - 1, 0), total); // the first line is the header
            bar.value = rows;
            // The status line is read aloud: say it at each tenth, not at each chunk.
            var tenth = total ? Math.floor((10 * rows) / total) : 10;
            if (tenth !== spoken) {
              spoken = tenth;
              text.textContent = text.dataset.rowsTemplate.replace("%(rows)s", rows).replace("%(total)s", total);
            }
            return pump();
          });
        }
        return pump().then(function () {
          parts.push(decoder.decode());
          var name = filenameOf(response);
          var link = document.createElement("a");
          link.href = URL.createObjectURL(new Blob(parts, { type: "text/csv;charset=utf-8" }));
          link.download = name;
          link.textContent = name;
          linkHolder.appendChild(link);
          bar.value = bar.max;
          text.textContent = text.dataset.done.replace("%(file)s", name);
          link.click();
        });
      }).catch(function () {
        text.textContent = text.dataset.failed;
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
