// Marks the page as having JavaScript, as govuk-frontend's template does inline (an inline script the CSP forbids).
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');
