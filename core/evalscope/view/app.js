"use strict";
// Renders the page from the JSON in #data. Everything from a run is inserted as text (textContent,
// createTextNode), never as markup.
(function () {
  const DATA = JSON.parse(document.getElementById("data").textContent);
  const PAGE_SIZE = 50;
  const ANSWER_CHARS = 80; // an answer longer than this is cut in the table (the detail shows all of it)
  const SVG = "http://www.w3.org/2000/svg";
  const state = { group: 0, filter: "all", on: 0, search: "", sort: "id", page: 0, selected: null };

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "text") node.textContent = value;
      else if (key === "cls") node.className = value;
      else node.setAttribute(key, value);
    }
    for (const child of children || []) node.append(child);
    return node;
  }
  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, String(value));
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function fmt(value, digits) {
    return value === null || value === undefined ? "n/a" : Number(value).toFixed(digits === undefined ? 4 : digits);
  }
  function table(header, rows, cls) {
    const head = el("tr", {}, header.map((h) => el("th", { text: h })));
    const body = rows.map((row) => el("tr", {}, row.map((cell) => (cell instanceof Node ? el("td", {}, [cell]) : el("td", { text: String(cell) })))));
    return el("table", { cls: cls || "" }, [el("thead", {}, [head]), el("tbody", {}, body)]);
  }
  function messages(sample, cell) {
    return cell.messages || sample.messages || [];
  }
  function text(content) {
    if (Array.isArray(content)) return DATA.prefixes[content[0]] + content[1];
    if (typeof content === "string") return content;
    return JSON.stringify(content);
  }

  // Overview: one row per run, model and dataset, with a chart of the scores and their intervals.
  function overview() {
    const rows = [];
    const bars = [];
    DATA.runs.forEach((run) => {
      for (const report of run.reports) {
        const metric = report.metrics[0] || {};
        rows.push([run.name, report.model_name, report.dataset_name, metric.name || "", fmt(metric.score),
          metric.score === null || metric.score === undefined ? "n/a" : "[" + fmt(metric.ci_low) + ", " + fmt(metric.ci_high) + "]",
          metric.num, report.errors || 0, report.scoring_errors || 0, report.truncated || 0]);
        bars.push({ label: run.name + " · " + report.dataset_name, score: metric.score, low: metric.ci_low, high: metric.ci_high });
      }
      for (const item of run.unscored) rows.push([run.name, item.model_id, item.dataset, "not scored", "n/a", "n/a", item.predictions, "", "", ""]);
    });
    document.getElementById("overview-table").append(table(
      ["Run", "Model", "Dataset", "Metric", "Score", "95% CI", "N", "Errors", "Scoring errors", "Truncated"], rows, "overview"));
    const width = 640, rowHeight = 26, left = 220, top = 10;
    const height = top + bars.length * rowHeight + 24;
    const chart = svg("svg", { width, height, viewBox: "0 0 " + width + " " + height, role: "img", "aria-label": "scores with 95% intervals" });
    const scale = (v) => left + v * (width - left - 20);
    for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
      chart.append(svg("line", { x1: scale(tick), x2: scale(tick), y1: top, y2: height - 20, stroke: "#ddd" }));
      chart.append(svg("text", { x: scale(tick), y: height - 6, "text-anchor": "middle", "font-size": 11 }, String(tick)));
    }
    bars.forEach((bar, i) => {
      const y = top + i * rowHeight;
      chart.append(svg("text", { x: left - 8, y: y + 16, "text-anchor": "end", "font-size": 12 }, bar.label));
      if (bar.score === null || bar.score === undefined) return;
      chart.append(svg("rect", { x: scale(0), y: y + 4, width: scale(bar.score) - scale(0), height: rowHeight - 8, fill: "#5b8def" }));
      chart.append(svg("line", { x1: scale(bar.low), x2: scale(bar.high), y1: y + rowHeight / 2, y2: y + rowHeight / 2, stroke: "#222", "stroke-width": 2 }));
    });
    document.getElementById("overview-chart").append(chart);
  }

  function subsets() {
    const box = document.getElementById("subset-tables");
    DATA.runs.forEach((run) => {
      for (const report of run.reports) {
        for (const metric of report.metrics) {
          box.append(el("h3", { text: run.name + " · " + report.model_name + " · " + report.dataset_name + " (" + metric.name + ")" }));
          const named = [...new Set((metric.subsets || []).flatMap((s) => Object.keys(s.metric_scores || {})))];
          box.append(table(["Subset", "Score", "95% CI", "N", "Errors", "Scoring errors", "Truncated", ...named],
            (metric.subsets || []).map((s) => [s.name, fmt(s.score), s.score === null || s.score === undefined ? "n/a" : "[" + fmt(s.ci_low) + ", " + fmt(s.ci_high) + "]",
              s.num, s.errors || 0, s.scoring_errors || 0, s.truncated || 0,
              ...named.map((name) => fmt(((s.metric_scores || {})[name] || {}).score))])));
        }
      }
    });
  }

  function comparison() {
    if (!DATA.compare.length) return;
    document.getElementById("comparison").hidden = false;
    document.getElementById("compare-table").append(table(
      ["A", "B", "Dataset", "Subset", "N", "Score A", "Score B", "Diff (B-A)", "95% CI", "A only", "B only", "p", "Test"],
      DATA.compare.map((r) => [DATA.runs[r.a].name, DATA.runs[r.b].name, r.dataset, r.subset, r.n, fmt(r.score_a), fmt(r.score_b), fmt(r.diff),
        r.ci_low === null ? "n/a" : "[" + fmt(r.ci_low) + ", " + fmt(r.ci_high) + "]", r.a_only, r.b_only,
        r.p_value === null ? "n/a" : Number(r.p_value).toPrecision(4), r.test || "-"]), "compare"));
  }

  // The sample browser.
  function status(cell) {
    if (!cell) return "missing";
    if (cell.error !== null && cell.error !== undefined) return "error";
    if (cell.scoring_error) return "scoring error";
    if (cell.score === null || cell.score === undefined) return "not scored";
    return cell.score >= 1 ? "right" : "wrong";
  }
  function changed(sample) {
    const scores = sample.cells.filter((c) => c && c.score !== null && c.score !== undefined).map((c) => c.score);
    return scores.length === sample.cells.length && scores.some((s) => s !== scores[0]);
  }
  function searchable(sample) {
    if (sample._text === undefined) {
      const parts = [sample.id];
      for (const c of sample.cells) if (c) parts.push(c.completion || "", c.prediction == null ? "" : String(c.prediction), c.gold == null ? "" : String(c.gold), c.question || "", ...messages(sample, c).map((m) => text(m.content)));
      sample._text = parts.join("\n").toLowerCase();
    }
    return sample._text;
  }
  function visible() {
    const group = DATA.groups[state.group];
    if (!group) return [];
    const query = state.search.toLowerCase();
    let rows = group.samples.filter((sample) => {
      const cell = sample.cells[state.on];
      const s = status(cell);
      if (state.filter === "right" && s !== "right") return false;
      if (state.filter === "wrong" && s !== "wrong") return false;
      if (state.filter === "errors" && s !== "error" && s !== "scoring error") return false;
      if (state.filter === "truncated" && !(cell && cell.truncated)) return false;
      if (state.filter === "changed" && !changed(sample)) return false;
      return !query || searchable(sample).includes(query);
    });
    const score = (sample) => { const c = sample.cells[state.on]; return c && c.score !== null && c.score !== undefined ? c.score : -1; };
    if (state.sort === "score") rows = rows.slice().sort((x, y) => score(x) - score(y));
    if (state.sort === "score-desc") rows = rows.slice().sort((x, y) => score(y) - score(x));
    return rows;
  }
  function controls() {
    const box = document.getElementById("sample-controls");
    const groupSelect = el("select", { id: "group" }, DATA.groups.map((g, i) => el("option", { value: String(i), text: g.dataset + " / " + g.subset })));
    groupSelect.addEventListener("change", () => { state.group = Number(groupSelect.value); state.on = 0; state.page = 0; state.selected = null; renderOn(); renderSamples(); });
    const filters = ["all", "right", "wrong", "errors", "truncated"];
    if (DATA.runs.length > 1) filters.push("changed");
    const filterBox = el("span", { id: "filters" }, filters.map((name) => {
      const button = el("button", { type: "button", "data-filter": name, text: name === "changed" ? "changed between runs" : name });
      button.addEventListener("click", () => { state.filter = name; state.page = 0; renderSamples(); });
      return button;
    }));
    const search = el("input", { id: "search", type: "search", placeholder: "search text" });
    search.addEventListener("input", () => { state.search = search.value; state.page = 0; renderSamples(); });
    const sort = el("select", { id: "sort" }, [["id", "order in the run"], ["score", "score, low first"], ["score-desc", "score, high first"]].map(([v, t]) => el("option", { value: v, text: t })));
    sort.addEventListener("change", () => { state.sort = sort.value; state.page = 0; renderSamples(); });
    const on = el("select", { id: "on" });
    on.addEventListener("change", () => { state.on = Number(on.value); state.page = 0; renderSamples(); });
    box.append(el("label", { text: "Subset " }, [groupSelect]), filterBox, search, el("label", { text: " Sort " }, [sort]), el("label", { id: "on-label", text: " Filter on " }, [on]));
    renderOn();
  }
  function renderOn() {
    const on = document.getElementById("on");
    const group = DATA.groups[state.group];
    on.replaceChildren(...(group ? group.columns : []).map((c, i) => el("option", { value: String(i), text: c.label })));
    document.getElementById("on-label").hidden = !group || group.columns.length < 2;
  }
  function renderSamples() {
    const group = DATA.groups[state.group];
    const rows = visible();
    for (const button of document.querySelectorAll("#filters button")) button.classList.toggle("active", button.dataset.filter === state.filter);
    document.getElementById("sample-count").textContent = rows.length + " of " + (group ? group.samples.length : 0) + " samples";
    const pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
    state.page = Math.min(state.page, pages - 1);
    const shown = rows.slice(state.page * PAGE_SIZE, (state.page + 1) * PAGE_SIZE);
    const header = ["Sample", "Question"];
    for (const c of group ? group.columns : []) header.push(c.label + ": answer", c.label + ": score");
    const body = shown.map((sample) => {
      const users = (sample.messages || []).filter((m) => m.role === "user");
      const question = sample.question !== undefined ? sample.question : users.length ? text(users[users.length - 1].content).trim() : "";
      const cells = [el("td", { text: sample.id }), el("td", { cls: "question", text: question })];
      for (const c of sample.cells) {
        const s = status(c);
        const answer = c ? (s === "error" ? "error" : String(c.prediction === null || c.prediction === undefined ? "" : c.prediction)) : "";
        cells.push(el("td", { cls: "answer", text: answer.length > ANSWER_CHARS ? answer.slice(0, ANSWER_CHARS) + "…" : answer }));
        cells.push(el("td", { cls: "status " + s.replace(" ", "-"), text: c && c.score !== null && c.score !== undefined ? String(c.score) : s }));
      }
      const tr = el("tr", { "data-id": sample.id, tabindex: "0" }, cells);
      tr.addEventListener("click", () => { state.selected = sample; renderDetail(); });
      tr.addEventListener("keydown", (event) => { if (event.key === "Enter") { state.selected = sample; renderDetail(); } });
      return tr;
    });
    const head = el("tr", {}, header.map((h) => el("th", { text: h })));
    document.getElementById("sample-table").replaceChildren(el("table", { cls: "samples" }, [el("thead", {}, [head]), el("tbody", {}, body)]));
    const prev = el("button", { type: "button", id: "prev", text: "previous" });
    const next = el("button", { type: "button", id: "next", text: "next" });
    prev.disabled = state.page === 0;
    next.disabled = state.page >= pages - 1;
    prev.addEventListener("click", () => { state.page -= 1; renderSamples(); });
    next.addEventListener("click", () => { state.page += 1; renderSamples(); });
    document.getElementById("pager").replaceChildren(prev, el("span", { text: " page " + (state.page + 1) + " of " + pages + " " }), next);
  }
  function highlighted(completion, prediction) {
    const box = el("pre", { cls: "completion" });
    const needle = prediction === null || prediction === undefined ? "" : String(prediction);
    const at = needle ? completion.lastIndexOf(needle) : -1;
    if (at < 0) { box.textContent = completion; return box; }
    box.append(document.createTextNode(completion.slice(0, at)), el("mark", { text: needle }), document.createTextNode(completion.slice(at + needle.length)));
    return box;
  }
  function renderDetail() {
    const sample = state.selected;
    const box = document.getElementById("detail");
    if (!sample) { box.replaceChildren(); return; }
    const group = DATA.groups[state.group];
    const columns = sample.cells.map((cell, i) => {
      const parts = [el("h3", { text: group.columns[i].label })];
      if (!cell) { parts.push(el("p", { text: "not in this run" })); return el("div", { cls: "column" }, parts); }
      const facts = [["status", status(cell)], ["score", cell.score === null || cell.score === undefined ? "n/a" : String(cell.score)],
        ["extracted answer", cell.prediction === null || cell.prediction === undefined ? "" : String(cell.prediction)],
        ["gold", cell.gold === null || cell.gold === undefined ? "" : String(cell.gold)], ["explanation", cell.explanation || ""],
        ["finish reason", cell.finish_reason || ""], ["truncated", cell.truncated ? "yes" : "no"],
        ["tokens", cell.usage ? ["prompt_tokens", "completion_tokens", "total_tokens"].map((k) => k.split("_")[0] + " " + (cell.usage[k] === undefined ? "?" : cell.usage[k])).join(", ") : "unknown"],
        ["finished at", cell.time ? new Date(cell.time * 1000).toISOString() : ""]];
      if (cell.metrics) facts.splice(2, 0, ["metrics", Object.entries(cell.metrics).map(([k, v]) => k + " " + (v !== null && typeof v === "object" ? fmt(v.value) + " (weight " + v.weight + ")" : fmt(v))).join(", ")]);
      if (cell.error) facts.unshift(["error", String(cell.error)]);
      if (cell.scoring_error) facts.unshift(["scoring error", String(cell.scoring_error)]);
      parts.push(table(["", ""], facts, "facts"));
      parts.push(el("h4", { text: "Prompt" }));
      for (const message of messages(sample, cell)) parts.push(el("div", { cls: "message" }, [el("b", { text: String(message.role) }), el("pre", { text: text(message.content) })]));
      if (cell.reasoning) parts.push(el("h4", { text: "Reasoning" }), el("pre", { cls: "reasoning", text: cell.reasoning }));
      for (const answer of cell.answers || [cell]) {
        parts.push(el("h4", { text: cell.answers ? "Answer " + answer.repeat + ": " + status(answer) : "Completion" }));
        parts.push(answer.completion === null || answer.completion === undefined ? el("p", { text: "no completion" }) : highlighted(answer.completion, answer.prediction));
      }
      return el("div", { cls: "column" }, parts);
    });
    box.replaceChildren(el("h3", { id: "detail-title", text: "Sample " + sample.id }), el("div", { cls: "columns" }, columns));
    box.scrollIntoView();
  }

  function provenance() {
    const box = document.getElementById("provenance-list");
    DATA.runs.forEach((run) => {
      box.append(el("h3", { text: run.name }), el("p", { cls: "path", text: run.path }));
      for (const report of run.reports) {
        const p = report.provenance || {};
        box.append(el("h4", { text: report.model_name + " · " + report.dataset_name }));
        box.append(table(["", ""], [["evalscope", p.evalscope || ""], ["python", p.python || ""], ["started", p.started_at || ""], ["finished", p.finished_at || ""],
          ["duration (s)", p.duration_s === undefined ? "" : String(p.duration_s)]], "facts"));
        box.append(el("details", {}, [el("summary", { text: "full provenance and generation config" }),
          el("pre", { text: JSON.stringify({ provenance: report.provenance, generation_config: report.generation_config, usage: report.usage }, null, 2) })]));
      }
    });
  }

  document.getElementById("runs").textContent = DATA.runs.map((r) => r.name).join(" · ");
  overview();
  subsets();
  comparison();
  controls();
  renderSamples();
  provenance();
  document.body.dataset.ready = "true";
})();
