/* Search results show a page's math as its TeX without the delimiters.
 *
 * Sphinx's search (searchtools.js) writes under each result a summary taken
 * from the text of the page's HTML, in which the math is still TeX between
 * \( and \) or \[ and \] (MathJax typesets it only when the page is shown),
 * so the summaries read "the hidden state \(h_t\)".  This wraps the
 * function that takes that text so that each math element loses its
 * delimiters first: "the hidden state h_t".  Jupyter Book adds every .js
 * file in _static/ to every page; searchtools.js is loaded after this file,
 * hence the wait for DOMContentLoaded.
 */
document.addEventListener("DOMContentLoaded", () => {
  if (typeof Search === "undefined" || typeof Search.htmlToText !== "function") {
    return;
  }
  const htmlToText = Search.htmlToText;
  Search.htmlToText = (htmlString, anchor) => {
    const page = new DOMParser().parseFromString(htmlString, "text/html");
    page.querySelectorAll(".math").forEach((math) => {
      math.textContent = math.textContent
        .trim()
        .replace(/^\\[([]/, "")
        .replace(/\\[)\]]$/, "")
        .trim();
    });
    return htmlToText(page.documentElement.outerHTML, anchor);
  };
});
