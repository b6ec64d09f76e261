// Progressive help for the tip form; the form works without it.

// Quick exit: leave without adding this page to the back history.
const exit = document.getElementById('quick-exit');
if (exit) {
  exit.addEventListener('click', (ev) => {
    ev.preventDefault();
    window.location.replace(exit.dataset.exit || exit.href);
  });
}

// Move focus to what the reader must see first after a submission.
const first = document.getElementById('error-summary') || document.getElementById('notice') || document.getElementById('thanks');
if (first) first.focus();
