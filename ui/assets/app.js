// Clicking a citation marker or a source card shows the passage in context.
// One delegated listener on the document: Gradio re-renders the chat and the sources panel, so
// listeners bound to those elements would be lost. Capture phase, so the marker's link never
// navigates (Gradio may open links in a new tab).
(() => {
  // Scroll the context box (not the page) so the cited sentence is in view.
  function showMark(context) {
    const box = context.querySelector(".context-text");
    const target = context.querySelector("mark") || context.querySelector(".passage-in-context");
    if (!box || !target) return;
    const offset = target.getBoundingClientRect().top - box.getBoundingClientRect().top;
    box.scrollTop += offset - box.clientHeight / 3;
  }

  function reveal(id, tries) {
    const card = document.getElementById(id);
    if (!card) {
      // The panel may still be switching to that answer's sources (a click on an older message).
      if (tries < 40) setTimeout(() => reveal(id, tries + 1), 100);
      return;
    }
    const context = card.querySelector("details.context");
    if (context) {
      context.open = true;
      showMark(context);
    }
    card.scrollIntoView({ block: "nearest", behavior: "smooth" });
    card.classList.add("flash");
    setTimeout(() => card.classList.remove("flash"), 1500);
  }

  document.addEventListener(
    "click",
    (event) => {
      const target = event.target instanceof Element ? event.target : null;
      if (!target) return;
      const marker = target.closest("a.cite, a[href^='#src-']");
      if (marker) {
        event.preventDefault();
        reveal(marker.getAttribute("href").slice(1), 0);
        return;
      }
      const card = target.closest(".source-card");
      if (card && !target.closest("summary, details")) {
        const context = card.querySelector("details.context");
        if (context) {
          context.open = !context.open;
          if (context.open) showMark(context);
        }
      }
    },
    true,
  );
})();
