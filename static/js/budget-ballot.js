// Budget ballot: a running total of the bids ticked, updated as the panellist ticks ("£4,350 of £10,000 chosen").
// Progressive enhancement only: without JavaScript the server shows the total of the ballot it last saw, and
// checks the budget itself when the ballot is cast.

const pounds = (pence) => {
  const whole = pence % 100 === 0
  return new Intl.NumberFormat('en-GB', {
    style: 'currency',
    currency: 'GBP',
    minimumFractionDigits: whole ? 0 : 2,
    maximumFractionDigits: whole ? 0 : 2
  }).format(pence / 100)
}

export function initBudgetBallot (form) {
  const budget = Number(form.dataset.budgetPence)
  const total = form.querySelector('[data-budget-total]')
  const left = form.querySelector('[data-budget-left]')
  const over = form.querySelector('[data-budget-over]')
  const boxes = Array.from(form.querySelectorAll('input[type="checkbox"][data-amount-pence]'))
  if (!Number.isFinite(budget) || !total || !boxes.length) return

  const chosenPence = () =>
    boxes.filter((box) => box.checked).reduce((sum, box) => sum + Number(box.dataset.amountPence || 0), 0)

  const update = () => {
    const chosen = chosenPence()
    total.textContent = `${pounds(chosen)} of ${pounds(budget)} chosen`
    const overBy = chosen - budget
    if (left) {
      left.hidden = overBy > 0
      left.textContent = `${pounds(Math.max(budget - chosen, 0))} left`
    }
    if (over) {
      over.hidden = overBy <= 0
      over.textContent = overBy > 0 ? `${pounds(overBy)} over the budget: untick bids until they fit` : ''
    }
  }

  form.addEventListener('change', (event) => {
    if (boxes.includes(event.target)) update()
  })
  // The page arrives with the total the server worked out (and, after a refused ballot, its message saying how
  // much over it is); only redraw if the browser has restored different ticks, e.g. on going back.
  const syncWithTicks = () => {
    if (chosenPence() !== Number(total.dataset.chosenPence)) update()
  }
  syncWithTicks()
  window.addEventListener('pageshow', syncWithTicks)
}

for (const form of document.querySelectorAll('form[data-budget-ballot]')) {
  initBudgetBallot(form)
}
