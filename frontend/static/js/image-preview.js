// Shows the picture chosen in <input type="file" data-preview="ID"> in the <img id="ID"> before
// it is uploaded. Progressive enhancement only: without JavaScript the form works the same.
document.addEventListener("change", (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || !input.dataset.preview) return;
  const preview = document.getElementById(input.dataset.preview);
  if (!preview) return;
  if (preview.src) URL.revokeObjectURL(preview.src);
  const file = input.files && input.files[0];
  if (file && file.type.startsWith("image/")) {
    preview.src = URL.createObjectURL(file);
    preview.hidden = false;
  } else {
    preview.removeAttribute("src");
    preview.hidden = true;
  }
});
