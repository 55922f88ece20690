// Autosave for the edit page of a draft (palermo/submissions/templates/submissions/submission_form.html).
//
// Without JavaScript the form saves when the person presses Save, and nothing else happens.
// With it, the form is also posted to its data-autosave-url a few seconds after the last
// change; the server validates and saves it exactly as a pressed Save would (a new version,
// or none when nothing changed) and answers in JSON. The text never goes to localStorage:
// people at risk use shared devices. Every word shown comes translated from the template's
// data-autosave-* attributes.
(() => {
  "use strict";

  const DELAY_MS = 2500; // after the last keystroke
  const RETRY_MS = 15000; // after a failed connection or a busy server

  const form = document.querySelector("form[data-autosave-url]");
  if (!form || !window.fetch || !window.FormData) return;
  const words = form.dataset;
  const status = document.getElementById(words.autosaveStatus);

  let timer = null;
  let inFlight = null; // the request on its way, if any
  let dirty = false; // changed since the last request left
  let stopped = false; // after a conflict or a refusal the Save button takes over
  let submitting = false;

  const say = (text) => {
    if (status) status.textContent = text;
  };

  const field = (name) => form.elements.namedItem(name);

  const clock = (iso) => {
    const when = iso ? new Date(iso) : new Date();
    const options = { hour: "2-digit", minute: "2-digit" };
    try {
      return when.toLocaleTimeString(document.documentElement.lang || undefined, options);
    } catch (error) {
      return when.toLocaleTimeString(undefined, options);
    }
  };

  const schedule = (delay) => {
    clearTimeout(timer);
    timer = setTimeout(save, delay);
  };

  const stop = (text) => {
    stopped = true;
    clearTimeout(timer);
    timer = null;
    say(text);
  };

  const failed = () => {
    dirty = true;
    say(words.autosaveFailed);
    schedule(RETRY_MS);
  };

  // What the Save button would send, minus files: attachments have their own upload form.
  const payload = () => {
    const data = new FormData(form);
    for (const input of form.querySelectorAll("input[type=file][name]")) data.delete(input.name);
    return data;
  };

  const send = async () => {
    let response;
    let answer = {};
    try {
      response = await fetch(words.autosaveUrl, {
        method: "POST",
        body: payload(),
        credentials: "same-origin",
        headers: {
          Accept: "application/json",
          "X-CSRFToken": field("csrfmiddlewaretoken").value,
        },
      });
      if ((response.headers.get("Content-Type") || "").startsWith("application/json")) {
        answer = await response.json();
      }
    } catch (error) {
      failed();
      return;
    }
    if (response.ok) {
      // The next save (this script's or the Save button's) builds on this version, with a
      // token not yet used: the person's own autosave is never a conflict for them.
      field("base_version").value = answer.version;
      field("form_token").value = answer.form_token;
      say(words.autosaveSaved.replace("{time}", clock(answer.saved_at)));
    } else if (response.status === 400 && answer.message) {
      // Nothing was saved; the next change tries again.
      say(words.autosaveInvalid.replace("{reason}", answer.message));
    } else if (response.status === 409) {
      stop(words.autosaveConflict);
    } else if ([400, 403, 404, 405].includes(response.status)) {
      stop(words.autosaveRefused);
    } else {
      failed();
    }
  };

  function save() {
    timer = null;
    if (stopped || submitting || !dirty || inFlight) return;
    dirty = false;
    inFlight = send().finally(() => {
      inFlight = null;
      // Typed while the request was on its way: save that too.
      if (dirty && !stopped && !submitting && !timer) schedule(DELAY_MS);
    });
  }

  const changed = (event) => {
    if (stopped || submitting || event.target.type === "file") return;
    dirty = true;
    schedule(DELAY_MS);
  };

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", (event) => {
    clearTimeout(timer);
    timer = null;
    if (submitting) {
      event.preventDefault();
      return;
    }
    submitting = true;
    if (inFlight) {
      // Let the autosave on its way finish first, so the Save button posts its version and
      // token; a conflict it found is then shown by the ordinary conflict page.
      event.preventDefault();
      inFlight.finally(() => form.submit());
    }
  });
  // Back to this page from the browser's cache after a Save: autosave is on again.
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) submitting = false;
  });
  say(words.autosaveOn);
})();
