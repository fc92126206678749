// Every page: start GOV.UK Frontend's components. A file, not an inline script, so the Content-Security-Policy
// needs no 'unsafe-inline' (grants/security_headers.py).
import { initAll } from '../govuk/govuk-frontend.min.js'

initAll()
