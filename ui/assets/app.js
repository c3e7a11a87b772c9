// Clicking a citation marker or a source card shows the passage in context; for a PDF or a scan it
// also opens the cited page with the quote highlighted. "Show page" buttons and the page view's close
// button, and the "right answer" selection, hand their request to a hidden textbox whose input
// event runs the Python handler.
// One delegated listener on the document: Gradio re-renders the chat and the sources panel, so
// listeners bound to those elements would be lost. Capture phase, so the marker's link never
// navigates (Gradio may open links in a new tab).
(() => {
  // A hidden Textbox takes the value (its input event updates Gradio's copy of it), then its hidden
  // button ("<id>-go") runs the Python handler, which reads the box.
  function send(elemId, value) {
    const box = document.querySelector(`#${elemId} textarea, #${elemId} input`);
    if (!box) return;
    box.value = value;
    box.dispatchEvent(new Event("input", { bubbles: true }));
    setTimeout(() => document.getElementById(`${elemId}-go`)?.click(), 0);
  }

  // Once the page image has arrived, scroll its frame so the first highlighted box is in view.
  function scrollToQuote(stamp, tries) {
    const view = document.querySelector(`#page-view .page-view[data-request="${stamp}"]`);
    if (!view) {
      if (tries < 100) setTimeout(() => scrollToQuote(stamp, tries + 1), 100);
      return;
    }
    view.scrollIntoView({ block: "nearest", behavior: "smooth" });
    const frame = view.querySelector(".page-frame");
    const box = view.querySelector(".quote-box");
    if (frame && box) frame.scrollTop = box.offsetTop - frame.clientHeight / 3;
  }

  function showPage(button) {
    const { doc, page, quote } = button.dataset;
    const at = String(Date.now());
    send("page-request", JSON.stringify({ doc, page: page ? Number(page) : null, quote, at }));
    scrollToQuote(at, 0);
  }

  // The words selected inside a source card become that turn's right answer.
  window.assistantMarkSelection = () => {
    const selection = window.getSelection();
    const text = selection ? selection.toString().trim() : "";
    const node = selection && selection.anchorNode;
    const element = node && (node.nodeType === 1 ? node : node.parentElement);
    const card = element && element.closest("#sources .source-card");
    const panel = element && element.closest("#sources .sources[data-turn]");
    send(
      "selection",
      JSON.stringify({
        text: card ? text : "",
        doc: card ? card.dataset.doc : null,
        turn: panel ? Number(panel.dataset.turn) : null,
        at: Date.now(),
      }),
    );
  };

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
    const pageButton = card.querySelector("button.show-page");
    if (pageButton) showPage(pageButton);
    card.scrollIntoView({ block: "nearest", behavior: "smooth" });
    card.classList.add("flash");
    setTimeout(() => card.classList.remove("flash"), 1500);
  }

  document.addEventListener(
    "click",
    (event) => {
      const target = event.target instanceof Element ? event.target : null;
      if (!target) return;
      const pageButton = target.closest("button.show-page");
      if (pageButton) {
        event.preventDefault();
        showPage(pageButton);
        return;
      }
      if (target.closest("button.page-close")) {
        send("page-request", JSON.stringify({ close: true, at: Date.now() }));
        return;
      }
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
