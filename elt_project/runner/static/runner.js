// The Data Importer page: ticking, launching and live run status. No inline script, no libraries.
"use strict";

(function () {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const form = document.getElementById("run-form");
  const button = document.getElementById("run-button");
  const countText = document.getElementById("selection-count");
  const problems = document.getElementById("launch-problems");
  const statusSection = document.getElementById("run-status");
  const statusProblem = document.getElementById("run-status-problem");
  const runList = document.getElementById("run-list");
  let pollTimer = null;

  function importBoxes(group) {
    const all = Array.from(document.querySelectorAll(".import-box"));
    return group ? all.filter((box) => box.dataset.group === group) : all;
  }

  function refreshSelection() {
    for (const groupBox of document.querySelectorAll(".group-box")) {
      const boxes = importBoxes(groupBox.dataset.group);
      const ticked = boxes.filter((box) => box.checked).length;
      groupBox.checked = ticked > 0 && ticked === boxes.length;
      groupBox.indeterminate = ticked > 0 && ticked < boxes.length;
    }
    const ticked = importBoxes().filter((box) => box.checked).length;
    if (button) {
      button.disabled = ticked === 0;
    }
    if (countText) {
      countText.textContent = ticked === 0 ? "Tick the imports to run." : ticked + " selected";
    }
  }

  document.addEventListener("change", (event) => {
    const target = event.target;
    if (target.classList.contains("group-box")) {
      for (const box of importBoxes(target.dataset.group)) {
        box.checked = target.checked;
      }
    }
    if (target.classList.contains("group-box") || target.classList.contains("import-box")) {
      refreshSelection();
    }
  });

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function showProblems(list) {
    problems.replaceChildren(...list.map((p) => element("li", "problem", p.message)));
  }

  function localTime(seconds) {
    return seconds ? new Date(seconds * 1000).toLocaleString() : "";
  }

  function renderRun(run) {
    const item = element("li", "run status-" + run.status.toLowerCase());
    item.dataset.runId = run.run_id;
    const head = element("div", "run-head");
    if (!run.finished) {
      head.append(element("span", "spinner"));
    }
    head.append(element("span", "run-status", run.status));
    head.append(element("span", "run-group", run.pipeline_name));
    const details = element("a", "details", "(details)");
    details.href = run.details_url;
    head.append(details);
    if (run.dagster_url) {  // administrators only
      const dagster = element("a", "dagster", "(Dagster)");
      dagster.href = run.dagster_url;
      dagster.target = "_blank";
      dagster.rel = "noopener";
      head.append(dagster);
    }
    item.append(head);
    item.append(element("div", "run-imports", run.imports.join(", ")));
    const line = [run.message];
    if (run.started_at) line.push("started " + localTime(run.started_at));
    item.append(element("div", "run-message", line.join(" · ")));
    for (const err of run.errors) {
      const text = err.import_name + ": " + err.error_message + (err.resolution_steps ? " " + err.resolution_steps : "");
      item.append(element("div", "error", text));
    }
    for (const outcome of run.outcomes) {
      if (outcome.duplicate_of) item.append(element("div", "note", outcome.import_name + ": " + outcome.duplicate_of));
      for (const warning of outcome.warnings) {
        item.append(element("div", "warning", outcome.import_name + ": " + warning));
      }
    }
    return item;
  }

  function rowsWord(count) {
    return count.toLocaleString() + (count === 1 ? " row" : " rows");
  }

  function renderLastRun(box, entry) {
    if (!entry) return;
    const parts = [];
    const load = entry.last_load;
    const attempt = entry.later_attempt;
    if (load) {
      const line = element("span", "last-load status-success", "Last load: " + rowsWord(load.rows_loaded));
      if (load.file_name) {
        line.append(" from ");
        line.append(element("span", "file-name", load.file_name));
      }
      if (load.when) line.append(" · " + new Date(load.when).toLocaleString());
      parts.push(line);
      for (const warning of load.warnings) parts.push(element("span", "warning", warning));
    }
    if (attempt) {
      const words = (load ? "Since then: " : "Last run: ") + (attempt.duplicate_of || attempt.status_words);
      const line = element("span", "last-run status-" + attempt.status.toLowerCase(), words);
      if (attempt.when) line.append(" · " + new Date(attempt.when).toLocaleString());
      parts.push(line);
      for (const warning of attempt.warnings) parts.push(element("span", "warning", warning));
      if (attempt.error_message) {
        parts.push(element("span", "error", attempt.error_message + (attempt.resolution_steps ? " " + attempt.resolution_steps : "")));
      }
    }
    if (parts.length) box.replaceChildren(...parts);
  }

  async function refreshLastRuns() {
    try {
      const response = await fetch("/api/imports", { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) return;
      const body = await response.json();
      const byName = new Map();
      for (const group of body.groups) for (const item of group.imports) byName.set(item.import_name, item);
      for (const box of document.querySelectorAll(".last-run-info")) renderLastRun(box, byName.get(box.dataset.import));
    } catch (err) {
      // the next finished run tries again
    }
  }

  const finishedRuns = new Set();
  let firstPoll = true;
  let lastDrawn = "";

  async function refreshRuns() {
    let body;
    try {
      const response = await fetch("/api/runs", { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.status === 401) {
        window.location.reload();
        return;
      }
      body = await response.json();
    } catch (err) {
      statusProblem.textContent = "The page lost contact with the server; it keeps trying.";
      statusProblem.hidden = false;
      schedule(5000);
      return;
    }
    statusProblem.hidden = !body.problem;
    statusProblem.textContent = body.problem || "";
    const drawn = JSON.stringify(body.runs);
    if (body.runs.length > 0 && drawn !== lastDrawn) {  // redraw only on change: links keep focus
      statusSection.hidden = false;
      runList.replaceChildren(...body.runs.map(renderRun));
      lastDrawn = drawn;
    }
    let newlyFinished = false;
    for (const run of body.runs) {
      if (run.finished && !finishedRuns.has(run.run_id)) {
        finishedRuns.add(run.run_id);
        newlyFinished = true;
      }
    }
    if (newlyFinished && !firstPoll) refreshLastRuns();
    firstPoll = false;
    const running = body.runs.some((run) => !run.finished);
    schedule(running ? 2000 : 15000);
  }

  function schedule(ms) {
    clearTimeout(pollTimer);
    pollTimer = setTimeout(refreshRuns, ms);
  }

  if (form) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const names = importBoxes().filter((box) => box.checked).map((box) => box.value);
      if (names.length === 0) return;
      button.disabled = true;
      button.textContent = "Starting…";
      let body = { launched: [], problems: [] };
      try {
        const response = await fetch(form.action, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf },
          body: JSON.stringify({ imports: names }),
        });
        body = await response.json();
        if (!response.ok) {
          body = { launched: [], problems: [{ message: body.error || "The imports could not be started." }] };
        }
      } catch (err) {
        body.problems = [{ message: "The page lost contact with the server; reload it and try again." }];
      }
      showProblems(body.problems);
      button.textContent = "Run Selected Imports";
      for (const box of importBoxes()) box.checked = false;
      refreshSelection();
      statusSection.hidden = false;
      refreshRuns();
      if (window.matchMedia("(max-width: 60rem)").matches) statusSection.scrollIntoView({ behavior: "smooth" });
    });
  }

  const uploadSelect = document.getElementById("upload-import");
  const uploadFile = document.getElementById("upload-file");
  function refreshAccept() {
    if (uploadSelect && uploadFile) {
      const option = uploadSelect.options[uploadSelect.selectedIndex];
      uploadFile.accept = option ? option.dataset.accept || "" : "";
    }
  }
  if (uploadSelect) uploadSelect.addEventListener("change", refreshAccept);
  refreshAccept();

  for (const time of document.querySelectorAll("time[datetime]")) {
    const when = new Date(time.getAttribute("datetime"));
    if (!Number.isNaN(when.getTime())) time.textContent = when.toLocaleString();
  }

  if (runList) {  // the imports page; a run's details page only needs the times above
    refreshSelection();
    refreshRuns();
  }
})();
