// Scan a household card on the distribute page.
// A USB or Bluetooth scanner "types" the code and Enter into #scan-code, which submits the
// form; a person can type it too. On a phone, "Scan card with camera" reads the QR code
// with the browser's BarcodeDetector where it exists, else with jsQR (served from here).
// What it says comes translated from #scan-status's data- attributes (no JS catalog).
(function () {
  const form = document.getElementById("scan-form");
  const input = document.getElementById("scan-code");
  const button = document.getElementById("scan-camera");
  const video = document.getElementById("scan-video");
  const status = document.getElementById("scan-status");
  if (!form || !button || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    return;
  }
  button.hidden = false;
  let stream = null;

  function stop() {
    if (stream) {
      stream.getTracks().forEach((track) => track.stop());
      stream = null;
    }
    video.hidden = true;
  }

  function found(code) {
    stop();
    input.value = code.trim();
    status.textContent = status.dataset.read + " " + input.value;
    form.requestSubmit ? form.requestSubmit() : form.submit();
  }

  async function nativeDetector() {
    if (!("BarcodeDetector" in window)) {
      return null;
    }
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      return formats.includes("qr_code") ? new window.BarcodeDetector({ formats: ["qr_code"] }) : null;
    } catch (error) {
      return null;
    }
  }

  async function scan() {
    const detector = await nativeDetector();
    const canvas = document.createElement("canvas");
    const context = canvas.getContext("2d", { willReadFrequently: true });
    async function frame() {
      if (!stream) {
        return;
      }
      if (video.readyState >= 2 && video.videoWidth > 0) {
        let code = null;
        if (detector) {
          const codes = await detector.detect(video);
          code = codes.length ? codes[0].rawValue : null;
        } else if (window.jsQR) {
          canvas.width = video.videoWidth;
          canvas.height = video.videoHeight;
          context.drawImage(video, 0, 0, canvas.width, canvas.height);
          const image = context.getImageData(0, 0, canvas.width, canvas.height);
          const result = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
          code = result ? result.data : null;
        }
        if (code) {
          found(code);
          return;
        }
      }
      window.requestAnimationFrame(frame);
    }
    window.requestAnimationFrame(frame);
  }

  button.addEventListener("click", async () => {
    if (stream) {
      stop();
      status.textContent = "";
      return;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
    } catch (error) {
      status.textContent = status.dataset.noCamera;
      return;
    }
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    status.textContent = status.dataset.hold;
    scan();
  });
})();
