// The only script the pages load: govuk-frontend's components, as progressive enhancement.
import { initAll } from './govuk-frontend.min.js';

initAll();
