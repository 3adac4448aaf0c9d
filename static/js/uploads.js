/* Upload widgets: previews of the chosen files (removable), the server's limits checked before
   sending, a progress bar and a disabled button while sending; and the evidence gallery refreshed
   while photos are processed. The limits come from data attributes the server renders from its
   policy; without JavaScript the form posts as usual and the server checks everything anyway. */
(function () {
  "use strict";

  function formatSize(bytes) {
    if (bytes >= 1024 * 1024) return (bytes / (1024 * 1024)).toFixed(1) + " MB";
    return Math.max(1, Math.round(bytes / 1024)) + " KB";
  }

  function say(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
  }

  function problemsOf(input, files) {
    var data = input.dataset, problems = [];
    var types = (input.getAttribute("accept") || "").split(",").filter(Boolean);
    if (files.length > Number(data.maxFiles)) problems.push(say(data.msgTooMany, { count: data.maxFiles }));
    files.forEach(function (file) {
      var isVideo = file.type.indexOf("video/") === 0;
      var limit = Number(isVideo ? data.maxVideoBytes : data.maxPhotoBytes);
      if (types.length && types.indexOf(file.type) === -1) {
        problems.push(say(data.msgType, { name: file.name }));
      } else if (file.size > limit) {
        problems.push(say(data.msgTooBig, { name: file.name, size: formatSize(file.size), limit: formatSize(limit) }));
      }
    });
    return problems;
  }

  function enhance(input) {
    var kept = [];
    var list = document.createElement("ul");
    list.className = "upload-previews";
    list.setAttribute("aria-label", input.dataset.msgChosen);
    var feedback = document.createElement("div");
    feedback.className = "invalid-feedback d-block";
    feedback.setAttribute("role", "alert");
    input.insertAdjacentElement("afterend", feedback);
    feedback.insertAdjacentElement("afterend", list);

    function sync() {
      var transfer = new DataTransfer();
      kept.forEach(function (file) { transfer.items.add(file); });
      input.files = transfer.files;
      var problems = problemsOf(input, kept);
      input.setCustomValidity(problems.join(" "));
      input.classList.toggle("is-invalid", problems.length > 0);
      feedback.textContent = problems.join(" ");
      list.replaceChildren();
      kept.forEach(function (file, index) {
        var item = document.createElement("li");
        var picture;
        if (file.type.indexOf("image/") === 0 && file.size <= Number(input.dataset.maxPhotoBytes)) {
          picture = document.createElement("img");
          picture.alt = "";
          var reader = new FileReader();
          reader.onload = function () { picture.src = reader.result; };
          reader.readAsDataURL(file);
        } else {
          picture = document.createElement("span");
          picture.className = "upload-icon";
          picture.setAttribute("aria-hidden", "true");
          picture.textContent = file.type.indexOf("video/") === 0 ? "▶" : "?";
        }
        var name = document.createElement("span");
        name.className = "upload-name";
        name.textContent = file.name;
        name.title = file.name;
        var size = document.createElement("span");
        size.className = "text-body-secondary";
        size.textContent = formatSize(file.size);
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "btn btn-sm btn-light border upload-remove";
        remove.textContent = "×";
        remove.setAttribute("aria-label", say(input.dataset.msgRemove, { name: file.name }));
        remove.addEventListener("click", function () {
          kept.splice(index, 1);
          sync();
          input.focus();
        });
        item.append(picture, name, size, remove);
        list.append(item);
      });
    }

    input.addEventListener("change", function () {
      kept = Array.prototype.slice.call(input.files);
      sync();
    });
  }

  function sendWithProgress(form, event) {
    var inputs = form.querySelectorAll("input[type=file][data-max-files]");
    var hasFiles = Array.prototype.some.call(inputs, function (input) { return input.files.length > 0; });
    var buttons = form.querySelectorAll("[type=submit]");
    buttons.forEach(function (button) { button.disabled = true; });
    if (!hasFiles || !window.FormData) return;  // a plain post; the button stays disabled meanwhile
    event.preventDefault();
    var progress = document.createElement("div");
    progress.className = "upload-progress";
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", inputs[0].dataset.msgSending);
    var label = document.createElement("span");
    label.className = "small text-body-secondary";
    label.setAttribute("aria-live", "polite");
    label.textContent = inputs[0].dataset.msgSending;
    progress.append(bar, label);
    form.append(progress);
    var request = new XMLHttpRequest();
    request.open("POST", form.action || window.location.href);
    request.upload.addEventListener("progress", function (progressEvent) {
      if (!progressEvent.lengthComputable) return;
      bar.value = Math.round((100 * progressEvent.loaded) / progressEvent.total);
      label.textContent = inputs[0].dataset.msgSending + " " + bar.value + "%";
    });
    request.addEventListener("load", function () {
      // The browser followed the server's redirect (or got the form back with its errors): show
      // that page as the plain post would have, flash message included, at its own address.
      var landed = request.responseURL || form.action;
      document.open();
      document.write(request.responseText);
      document.close();
      if (landed) window.history.replaceState(null, "", landed);
    });
    request.addEventListener("error", function () {
      buttons.forEach(function (button) { button.disabled = false; });
      label.textContent = inputs[0].dataset.msgFailed;
    });
    request.send(new FormData(form));
  }

  function pollGallery() {
    var gallery = document.getElementById("evidence-gallery");
    if (!gallery || !gallery.dataset.processing) return;
    window.setTimeout(function () {
      fetch(gallery.dataset.galleryUrl, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
        .then(function (html) {
          var holder = document.createElement("div");
          holder.innerHTML = html;
          var fresh = holder.querySelector("#evidence-gallery");
          if (fresh) gallery.replaceWith(fresh);
          pollGallery();
        })
        .catch(function () { /* leave the page as it is: a reload shows the current state */ });
    }, 3000);
  }

  document.querySelectorAll("input[type=file][data-max-files]").forEach(enhance);
  document.querySelectorAll("form").forEach(function (form) {
    if (!form.querySelector("input[type=file][data-max-files]")) return;
    form.addEventListener("submit", function (event) { sendWithProgress(form, event); });
  });
  pollGallery();
})();
