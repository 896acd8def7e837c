// Starts the NHS.UK frontend's components (header menu, error summary focus, character counts…).
// The package's own template does this with an inline <script>, which the CSP refuses; this
// module does it from a file instead. The frontend only runs in browsers that run modules, and
// a module script only runs in those, so the "supported" class is set here too.
import { initAll } from "../vendor/nhsuk-frontend/nhsuk-frontend.min.js";

document.body.classList.add("js-enabled", "nhsuk-frontend-supported");
initAll();
