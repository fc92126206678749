// "Print this page" buttons: shown only where JavaScript runs (without it, the browser's own Print still works).
// A file of its own, not an inline script, so the Content-Security-Policy needs no 'unsafe-inline'.

for (const button of document.querySelectorAll('button[data-module="app-print"]')) {
  button.hidden = false
  button.addEventListener('click', () => window.print())
}
