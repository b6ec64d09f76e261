// The disclosure packet's print button (the page allows no inline script).
document.getElementById('print')?.addEventListener('click', () => window.print());
