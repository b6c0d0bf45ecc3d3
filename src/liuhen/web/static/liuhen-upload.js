// Resumable upload of audio-video files (tus 1.0). Settings come from data- attributes (no inline script).
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form || !window.tus) { return; }
  var input = document.getElementById("upload-file");
  var bar = document.getElementById("upload-progress");
  var status = document.getElementById("upload-status");
  var button = document.getElementById("upload-start");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;

  function say(text, error) {
    status.textContent = text;
    status.className = error ? "refusal" : "hint";
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var file = input.files[0];
    if (!file) { say("请选择要上传的音视频文件", true); return; }
    button.disabled = true;
    var upload = new tus.Upload(file, {
      endpoint: form.dataset.endpoint,
      chunkSize: 4 * 1024 * 1024,
      retryDelays: [0, 1000, 3000, 5000, 10000],
      removeFingerprintOnSuccess: true,
      headers: { "X-CSRFToken": csrf },
      metadata: {
        filename: file.name,
        case: form.elements["case"].value,
        device: form.elements["device"].value,
        recorded_from: form.elements["recorded_from"].value,
        returned_at: form.elements["returned_at"].value,
        contractor: form.elements["contractor"].value
      },
      onError: function (error) {
        var body = error.originalResponse ? error.originalResponse.getBody() : String(error);
        say("上传失败：" + body, true);
        button.disabled = false;
      },
      onProgress: function (sent, total) {
        bar.max = total;
        bar.value = sent;
        say("已上传 " + (sent / 1048576).toFixed(1) + " / " + (total / 1048576).toFixed(1) + " MB（断线后重新选择同一文件即可续传）");
      },
      onSuccess: function () {
        bar.value = bar.max;
        say("上传完成，已存入并记入账本。");
        if (form.dataset.next) { window.location.href = form.dataset.next; }
      }
    });
    upload.findPreviousUploads().then(function (previous) {
      if (previous.length) { upload.resumeFromPreviousUpload(previous[0]); }
      upload.start();
    });
  });
})();
