// Esc closes the explorer's large screenshot view (a click on its × button).
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  const open = document.querySelector(".lightbox:not([hidden]) .lightbox-close");
  if (open) open.click();
});
