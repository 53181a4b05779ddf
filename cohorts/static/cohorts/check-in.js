/* The check-in desk on a phone: one tap checks in without reloading, the counts stay live, the
   search narrows as staff type, and the camera reads passes — with the browser's own
   BarcodeDetector where there is one, else the vendored zxing-wasm reader (served from this
   site, never a CDN). Without this script every form still works by plain page loads. Its
   messages come from the site's string catalogue (gettext, ngettext, npgettext), which the page
   loads before it. */
(function () {
  "use strict";

  var desk = document.querySelector("[data-desk]");
  if (!desk) {
    return;
  }
  var statusBox = document.getElementById("desk-status");
  var counts = document.getElementById("desk-counts");
  var roster = document.getElementById("roster");
  var result = document.getElementById("pass-result");
  var session = desk.getAttribute("data-session") || "";
  var HEADERS = { "X-Requested-With": "fetch" };

  function say(message, ok) {
    if (!statusBox) {
      return;
    }
    statusBox.textContent = message;
    statusBox.className = "desk-status " + (ok ? "is-ok" : "is-error");
  }

  // The words after each count, in the plural form its number takes (as the page writes them).
  function countLabel(key, n) {
    if (key === "expected") {
      return npgettext("check-in desk count", "expected", "expected", n);
    }
    if (key === "checked_in") {
      return npgettext("check-in desk count", "checked in", "checked in", n);
    }
    return npgettext("check-in desk count", "missing", "missing", n);
  }

  function setCounts(data) {
    if (!counts || !data) {
      return;
    }
    ["expected", "checked_in", "missing"].forEach(function (key) {
      var element = counts.querySelector('[data-count="' + key + '"]');
      if (element && key in data) {
        element.textContent = String(data[key]);
        var label = counts.querySelector('[data-count-label="' + key + '"]');
        if (label) {
          label.textContent = countLabel(key, Number(data[key]));
        }
      }
    });
  }

  // --- one tap: check in ---------------------------------------------------------------------

  function checkIn(form) {
    var button = form.querySelector("button[type=submit]");
    if (button) {
      button.disabled = true;
    }
    return fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: HEADERS,
      credentials: "same-origin",
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        say(data.message, data.ok);
        setCounts(data.counts);
        if (data.row && data.enrolment_id) {
          var old = document.getElementById("place-" + data.enrolment_id);
          if (old) {
            old.outerHTML = data.row;
          }
        }
        if (result && result.contains(form)) {
          result.innerHTML = "";
        }
        if (!data.ok && button) {
          button.disabled = false;
        }
        if (statusBox) {
          statusBox.focus();
        }
      })
      .catch(function () {
        say(
          gettext("The check-in could not be sent (is the connection lost?). Nothing was recorded; please try again."),
          false
        );
        if (button) {
          button.disabled = false;
        }
      });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches && form.matches("form[data-check-in]")) {
      event.preventDefault();
      checkIn(form);
    }
  });

  // --- search as staff type ------------------------------------------------------------------

  var search = document.querySelector("form[data-live-search]");
  if (search && roster) {
    var timer = null;
    var latest = 0;
    var input = search.querySelector("input[name=q]");
    var refresh = function () {
      var params = new URLSearchParams(new FormData(search));
      params.set("fragment", "roster");
      // Replies can arrive out of order while staff type: only the newest search may show.
      var mine = ++latest;
      fetch(search.action + "?" + params.toString(), { headers: HEADERS, credentials: "same-origin" })
        .then(function (response) {
          return response.ok ? response.text() : null;
        })
        .then(function (html) {
          if (html !== null && mine === latest) {
            roster.innerHTML = html;
          }
        })
        .catch(function () {});
    };
    if (input) {
      input.addEventListener("input", function () {
        window.clearTimeout(timer);
        timer = window.setTimeout(refresh, 250);
      });
    }
  }

  // --- live counts ---------------------------------------------------------------------------

  var countsUrl = desk.getAttribute("data-counts-url");
  if (countsUrl && counts) {
    window.setInterval(function () {
      if (document.hidden) {
        return;
      }
      fetch(countsUrl + "?session=" + encodeURIComponent(session), {
        headers: HEADERS,
        credentials: "same-origin",
      })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(setCounts)
        .catch(function () {});
    }, 15000);
  }

  // --- a pass: scanned or typed --------------------------------------------------------------

  var passUrl = desk.getAttribute("data-pass-url");

  function showPass(text, method) {
    var params = new URLSearchParams({ code: text, session: session, fragment: "1", method: method });
    return fetch(passUrl + "?" + params.toString(), { headers: HEADERS, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        result.innerHTML = html;
        result.focus();
      })
      .catch(function () {
        say(gettext("The pass could not be checked (is the connection lost?). Please try again."), false);
      });
  }

  var codeForm = document.querySelector("form[data-pass-code]");
  if (codeForm && result && passUrl) {
    codeForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var field = codeForm.querySelector("input[name=code]");
      showPass(field ? field.value : "", "code");
    });
  }

  var scanner = document.querySelector("[data-scanner]");
  if (!scanner || !result || !passUrl) {
    return;
  }
  var startButton = scanner.querySelector("[data-scan-start]");
  var stopButton = scanner.querySelector("[data-scan-stop]");
  var panel = scanner.querySelector("[data-scan-panel]");
  var video = scanner.querySelector("video");
  var note = scanner.querySelector("[data-scan-note]");
  var stream = null;
  var running = false;
  var detect = null;
  scanner.hidden = false;

  function tell(message) {
    note.textContent = message;
  }

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = src;
      script.onload = resolve;
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function nativeDetector() {
    if (!("BarcodeDetector" in window)) {
      return Promise.resolve(null);
    }
    return window.BarcodeDetector.getSupportedFormats()
      .then(function (formats) {
        if (formats.indexOf("qr_code") < 0) {
          return null;
        }
        var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        return function (source) {
          return detector.detect(source).then(function (codes) {
            return codes.length ? codes[0].rawValue : null;
          });
        };
      })
      .catch(function () {
        return null;
      });
  }

  function libraryDetector() {
    var wasm = scanner.getAttribute("data-wasm");
    return loadScript(scanner.getAttribute("data-library"))
      .then(function () {
        // Always this site's copy of the .wasm file: the library's default is a CDN.
        return window.ZXingWASM.prepareZXingModule({
          overrides: {
            locateFile: function (path, prefix) {
              return path.endsWith(".wasm") ? wasm : prefix + path;
            },
          },
          fireImmediately: true,
        });
      })
      .then(function () {
        var canvas = document.createElement("canvas");
        var context = canvas.getContext("2d", { willReadFrequently: true });
        return function (source) {
          var width = source.videoWidth || source.naturalWidth || source.width;
          var height = source.videoHeight || source.naturalHeight || source.height;
          if (!width || !height) {
            return Promise.resolve(null);
          }
          canvas.width = width;
          canvas.height = height;
          context.drawImage(source, 0, 0, width, height);
          return window.ZXingWASM.readBarcodes(context.getImageData(0, 0, width, height), {
            formats: ["QRCode"],
            maxNumberOfSymbols: 1,
          }).then(function (results) {
            var found = results.filter(function (item) {
              return item.isValid;
            })[0];
            return found ? found.text : null;
          });
        };
      });
  }

  function detector() {
    if (detect) {
      return Promise.resolve(detect);
    }
    return nativeDetector().then(function (native) {
      return native || libraryDetector();
    }).then(function (found) {
      detect = found;
      return found;
    });
  }
  // For the browser test and for staff who want to check the reader without a camera.
  desk.readQrFrom = function (source) {
    return detector().then(function (read) {
      return read(source);
    });
  };

  function stop() {
    running = false;
    if (stream) {
      stream.getTracks().forEach(function (track) {
        track.stop();
      });
    }
    stream = null;
    video.srcObject = null;
    panel.hidden = true;
    startButton.hidden = false;
  }

  function loop() {
    if (!running) {
      return;
    }
    detect(video)
      .then(function (text) {
        if (text && running) {
          stop();
          tell(gettext("Pass read."));
          showPass(text, "scan");
          return;
        }
        window.setTimeout(loop, 150);
      })
      .catch(function () {
        window.setTimeout(loop, 300);
      });
  }

  function start() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      tell(
        gettext(
          "This browser cannot use the camera on this page (it needs a secure https address). Type the pass code below, or search by name."
        )
      );
      return;
    }
    tell(gettext("Starting the camera…"));
    detector()
      .catch(function () {
        throw new Error("reader");
      })
      .then(function () {
        return navigator.mediaDevices.getUserMedia({
          video: { facingMode: { ideal: "environment" } },
          audio: false,
        });
      })
      .then(function (media) {
        stream = media;
        video.srcObject = media;
        return video.play();
      })
      .then(function () {
        panel.hidden = false;
        startButton.hidden = true;
        running = true;
        tell(gettext("Point the camera at the QR code of the pass."));
        stopButton.focus();
        loop();
      })
      .catch(function (error) {
        stop();
        if (error && error.message === "reader") {
          tell(gettext("The QR reader could not be loaded. Type the pass code below, or search by name."));
        } else {
          tell(
            gettext(
              "The camera could not be opened (was permission refused?). Type the pass code below, or search by name."
            )
          );
        }
      });
  }

  startButton.addEventListener("click", start);
  stopButton.addEventListener("click", function () {
    stop();
    tell(gettext("Camera stopped."));
    startButton.focus();
  });
})();
