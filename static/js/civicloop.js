// SPDX-License-Identifier: MPL-2.0
// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Move focus to the error summary so screen-reader users hear what went wrong.
  const summary = document.querySelector("[data-autofocus]");
  if (summary) summary.focus();
  // A second click on "Submit" while the first is in flight does nothing (the server is idempotent anyway).
  document.querySelectorAll("[data-prevent-double-click]").forEach((button) => {
    button.form?.addEventListener("submit", () => {
      setTimeout(() => { button.disabled = true; }, 0);
    });
  });
  // Choosing a file uploads it at once, so a chosen-but-not-uploaded file is never left behind.
  document.querySelectorAll(".upload-form input[type=file]").forEach((input) => {
    input.addEventListener("change", () => { if (input.files.length) input.form.requestSubmit(); });
  });
});
