// Copy buttons: <button data-copy="element-id">. Everything else works without JavaScript.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copy);
  if (!source) return;
  const text = source.value !== undefined ? source.value : source.textContent;
  const status = document.getElementById(button.dataset.copy + "-status");
  try {
    await navigator.clipboard.writeText(text.trim());
    if (status) status.textContent = "Copied";
  } catch (_) {
    const range = document.createRange();
    range.selectNodeContents(source);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    if (status) status.textContent = "Selected: press Ctrl+C to copy";
  }
});
