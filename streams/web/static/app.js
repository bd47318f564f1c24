/* Newsroom Pulse: the live page.
 *
 * Plain JavaScript, no dependencies, no build step. It polls the worker's JSON API every
 * few seconds (never two refreshes at once, each request with a timeout), keeps the last
 * good numbers on screen when the pipeline is slow or a worker is gone, and says so.
 * Every text from the API goes into the page through textContent, never as HTML.
 */
"use strict";

(() => {
  const REFRESH_MS = 5000;
  const HIDDEN_REFRESH_MS = 30000;
  const MAX_BACKOFF_MS = 30000;
  const TIMEOUT_MS = 4500;
  const SLOW_EVERY = 3; // sections and alerts: every third refresh
  const SPARK_TTL_MS = 15000;
  const SPARK_POINTS = 40;
  const OFFLINE_AFTER = 3; // refreshes in a row with nothing answered
  const LOCALE = "en-GB";
  const SVGNS = "http://www.w3.org/2000/svg";

  const $ = (id) => document.getElementById(id);

  const state = {
    span: 60,
    section: "",
    campaignSpan: 0,
    cycle: 0,
    failures: 0,
    lastOk: null,
    timer: null,
    running: null,
    again: false,
    missing: new Set(), // optional endpoints this worker does not serve (404)
    pulse: null,
    windowEnd: null,
    sparks: new Map(),
    sparkLoading: new Set(),
    cursor: null,
    sections: [],
  };

  // ------------------------------------------------------------------ formatting

  const numberFormat = new Intl.NumberFormat(LOCALE);
  const timeFormat = new Intl.DateTimeFormat(LOCALE, {
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });
  const clockFormat = new Intl.DateTimeFormat(LOCALE, {
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  });

  const fmt = (n) => (n === null || n === undefined ? "—" : numberFormat.format(n));
  const pct = (x) => (x === null || x === undefined ? "—" : `${(x * 100).toFixed(1)}%`);
  const hhmm = (epochSeconds) => timeFormat.format(new Date(epochSeconds * 1000));

  function change(now, before) {
    if (before === null || before === undefined) return null;
    if (before === 0)
      return now === 0 ? { text: "±0%", cls: "" } : { text: "new", cls: "delta-up" };
    const ratio = now / before - 1;
    const sign = ratio > 0 ? "+" : ratio < 0 ? "−" : "±";
    const text = `${sign}${Math.abs(Math.round(ratio * 100))}%`;
    return { text, cls: ratio > 0.005 ? "delta-up" : ratio < -0.005 ? "delta-down" : "" };
  }

  function ago(seconds) {
    if (seconds < 90) return "just now";
    const minutes = Math.round(seconds / 60);
    if (minutes < 60) return `${minutes} min ago`;
    const hours = Math.round(minutes / 60);
    if (hours < 48) return `${hours} h ago`;
    return `${Math.round(hours / 24)} days ago`;
  }

  const SECTION_NAMES = { none: "Home & fronts", unknown: "Unknown section" };
  function sectionName(slug) {
    if (SECTION_NAMES[slug]) return SECTION_NAMES[slug];
    const words = String(slug).replace(/-/g, " ");
    return words.charAt(0).toUpperCase() + words.slice(1);
  }

  function money(amounts) {
    const parts = Object.keys(amounts || {})
      .sort()
      .map((currency) => {
        const minor = amounts[currency];
        try {
          const f = new Intl.NumberFormat(LOCALE, {
            style: "currency",
            currency,
            currencyDisplay: "code",
          });
          const digits = f.resolvedOptions().maximumFractionDigits;
          return f.format(minor / 10 ** digits);
        } catch (_) {
          return `${currency} ${fmt(minor)}`;
        }
      });
    return parts.length ? parts.join(" · ") : "—";
  }

  // ------------------------------------------------------------------ DOM helpers

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child !== null && child !== undefined) node.append(child);
    }
    return node;
  }

  function svg(tag, attrs) {
    const node = document.createElementNS(SVGNS, tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "text") node.textContent = value;
      else node.setAttribute(key, String(value));
    }
    return node;
  }

  /** Set a cell's text; briefly highlight it when a number changed. */
  function setText(node, text, flash = true) {
    if (node.textContent === text) return;
    const had = node.textContent !== "" && node.textContent !== "—";
    node.textContent = text;
    if (flash && had) {
      node.classList.remove("changed");
      void node.offsetWidth; // restart the animation
      node.classList.add("changed");
    }
  }

  function safeUrl(url) {
    try {
      const parsed = new URL(url);
      return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
    } catch (_) {
      return null;
    }
  }

  // ------------------------------------------------------------------ fetching

  class HttpError extends Error {
    constructor(path, status) {
      super(`${path} answered ${status}`);
      this.status = status;
    }
  }

  async function getJSON(path) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
    try {
      const resp = await fetch(path, {
        headers: { Accept: "application/json" },
        cache: "no-store",
        signal: controller.signal,
      });
      if (!resp.ok) throw new HttpError(path, resp.status);
      return await resp.json();
    } finally {
      clearTimeout(timer);
    }
  }

  /** An endpoint a worker may not serve yet: null when it answers 404. */
  async function getOptional(name, path) {
    try {
      const data = await getJSON(path);
      state.missing.delete(name);
      return data;
    } catch (err) {
      if (err instanceof HttpError && err.status === 404) {
        state.missing.add(name);
        return null;
      }
      throw err;
    }
  }

  // ------------------------------------------------------------------ now: KPIs and chart

  async function loadPulse() {
    const data = await getOptional("pulse", "/api/v1/pulse?minutes=60");
    state.pulse = data;
    renderNow(data);
    return data;
  }

  function renderNow(data) {
    const readers = $("kpi-readers");
    const views5 = $("kpi-views5");
    const views60 = $("kpi-views60");
    if (!data) {
      for (const node of [readers, views5, views60]) setText(node, "—", false);
      $("kpi-readers-note").textContent = "Not served by this worker";
      $("kpi-views5-note").textContent = "";
      $("kpi-views60-note").textContent = "";
      $("legend-week").hidden = true;
      drawChart();
      return;
    }
    const now = data.now;
    const bound = now.readers_complete ? "" : "≥ ";
    setText(readers, bound + fmt(now.readers));
    $("kpi-readers-note").textContent = now.readers_complete
      ? "distinct readers of articles"
      : "at least: some minutes are already closed";
    setText(views5, fmt(now.views));
    $("kpi-views5-note").textContent = `${fmt(Math.round(now.views / now.minutes))} a minute`;
    const total = data.views.reduce((a, b) => a + b, 0);
    setText(views60, fmt(total));
    const note = $("kpi-views60-note");
    note.replaceChildren();
    if (data.last_week) {
      const before = data.last_week.reduce((a, b) => a + b, 0);
      const delta = change(total, before);
      note.append(
        el("span", { class: delta.cls, text: delta.text }),
        ` vs ${fmt(before)} last week`,
      );
    } else {
      note.textContent = "no data from last week yet";
    }
    $("legend-week").hidden = !data.last_week;
    drawChart();
  }

  function niceStep(max, ticks) {
    const raw = Math.max(max, 1) / ticks;
    const power = 10 ** Math.floor(Math.log10(raw));
    const unit = raw / power;
    const nice = unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 2.5 ? 2.5 : unit <= 5 ? 5 : 10;
    return Math.max(1, nice * power);
  }

  function chartSummary(data) {
    const views = data.views;
    const total = views.reduce((a, b) => a + b, 0);
    let peak = 0;
    views.forEach((v, i) => {
      if (v > views[peak]) peak = i;
    });
    let text =
      `Page views per minute over the last hour: ${fmt(total)} in total, ` +
      `peak ${fmt(views[peak])} at ${hhmm(data.first_minute + peak * 60)}, ` +
      `latest minute ${fmt(views[views.length - 1])} so far.`;
    if (data.last_week) {
      text += ` Same hour last week: ${fmt(data.last_week.reduce((a, b) => a + b, 0))}.`;
    }
    return text;
  }

  function drawChart() {
    const box = $("chart");
    const data = state.pulse;
    box.classList.toggle("is-empty", !data);
    $("chart-legend").hidden = !data;
    if (!data) {
      const message = state.missing.has("pulse")
        ? "This worker does not serve the live chart."
        : "Waiting for data…";
      box.replaceChildren(el("p", { class: "chart-message", text: message }));
      box.setAttribute("aria-label", message);
      return;
    }
    const width = Math.max(box.clientWidth, 200);
    const height = Math.max(box.clientHeight, 120);
    const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, "aria-hidden": "true" });
    box.replaceChildren(root);
    const views = data.views;
    const week = data.last_week;
    const n = views.length;
    const pad = { left: 40, right: 10, top: 10, bottom: 24 };
    const innerW = width - pad.left - pad.right;
    const innerH = height - pad.top - pad.bottom;
    const max = Math.max(1, ...views, ...(week || []));
    const step = niceStep(max, 4);
    const top = Math.ceil(max / step) * step;
    const x = (i) => pad.left + (n === 1 ? innerW : (i * innerW) / (n - 1));
    const y = (v) => pad.top + innerH - (v / top) * innerH;

    for (let v = 0; v <= top + 1e-9; v += step) {
      root.append(
        svg("line", { class: "grid", x1: pad.left, x2: width - pad.right, y1: y(v), y2: y(v) }),
      );
      root.append(
        svg("text", {
          class: "axis-label",
          x: pad.left - 6,
          y: y(v) + 4,
          "text-anchor": "end",
          text: fmt(Math.round(v * 10) / 10),
        }),
      );
    }
    for (let i = 0; i < n; i++) {
      const minute = data.first_minute / 60 + i;
      if (minute % 15 === 0) {
        root.append(
          svg("text", {
            class: "axis-label",
            x: x(i),
            y: height - 6,
            "text-anchor": "middle",
            text: hhmm(minute * 60),
          }),
        );
      }
    }
    const points = (values, last) =>
      values
        .slice(0, last + 1)
        .map((v, i) => `${i === 0 ? "M" : "L"}${x(i).toFixed(1)},${y(v).toFixed(1)}`)
        .join("");
    if (week) root.append(svg("path", { class: "line-week", d: points(week, n - 1) }));
    // the newest minute is still filling up: draw its segment dotted, not as a drop
    const settled = Math.max(0, n - 2);
    const area = `${points(views, settled)}L${x(settled)},${y(0)}L${x(0)},${y(0)}Z`;
    root.append(svg("path", { class: "area", d: area }));
    root.append(svg("path", { class: "line-now", d: points(views, settled) }));
    if (n > 1) {
      root.append(
        svg("path", {
          class: "line-now",
          "stroke-dasharray": "2 4",
          d: `M${x(n - 2)},${y(views[n - 2])}L${x(n - 1)},${y(views[n - 1])}`,
        }),
      );
    }
    if (state.cursor !== null && state.cursor < n) {
      const i = state.cursor;
      root.append(
        svg("line", { class: "cursor", x1: x(i), x2: x(i), y1: pad.top, y2: pad.top + innerH }),
      );
      root.append(svg("circle", { class: "cursor-dot", cx: x(i), cy: y(views[i]), r: 4 }));
    }
    box.setAttribute("aria-label", chartSummary(data));
    box.dataset.left = String(pad.left);
    box.dataset.inner = String(innerW);
  }

  function readout() {
    const data = state.pulse;
    const out = $("chart-readout");
    if (!data || state.cursor === null) {
      out.textContent = "";
      return;
    }
    const i = Math.min(state.cursor, data.views.length - 1);
    let text = `${hhmm(data.first_minute + i * 60)}: ${fmt(data.views[i])} views`;
    if (i === data.views.length - 1) text += " so far";
    if (data.last_week) text += ` · last week ${fmt(data.last_week[i])}`;
    out.textContent = text;
  }

  function setCursor(i) {
    state.cursor = i;
    drawChart();
    readout();
  }

  function wireChart() {
    const box = $("chart");
    box.addEventListener("pointermove", (event) => {
      if (!state.pulse) return;
      const rect = box.getBoundingClientRect();
      const left = Number(box.dataset.left || 0);
      const inner = Number(box.dataset.inner || rect.width);
      const n = state.pulse.views.length;
      const i = Math.round(((event.clientX - rect.left - left) / inner) * (n - 1));
      setCursor(Math.min(n - 1, Math.max(0, i)));
    });
    box.addEventListener("pointerleave", () => setCursor(null));
    box.addEventListener("blur", () => setCursor(null));
    box.addEventListener("keydown", (event) => {
      if (!state.pulse) return;
      const n = state.pulse.views.length;
      const current = state.cursor === null ? n - 1 : state.cursor;
      const moves = { ArrowLeft: current - 1, ArrowRight: current + 1, Home: 0, End: n - 1 };
      if (!(event.key in moves)) return;
      event.preventDefault();
      setCursor(Math.min(n - 1, Math.max(0, moves[event.key])));
    });
    if ("ResizeObserver" in window) new ResizeObserver(() => drawChart()).observe(box);
  }

  // ------------------------------------------------------------------ top stories

  async function loadTop() {
    const params = new URLSearchParams({ minutes: String(state.span), limit: "10" });
    if (state.section) params.set("section", state.section);
    const data = await getJSON(`/api/v1/articles/top?${params}`);
    state.windowEnd = data.window_end;
    renderTop(data);
    loadSparks(data.articles.map((a) => a.article_id));
    return data;
  }

  const SPAN_LABELS = { 5: "5 min", 60: "1 h", 1440: "24 h" };
  const SOURCES = ["search", "social", "direct", "internal", "newsletter", "other"];

  function buildStoryRow(id) {
    const tr = el("tr", { "data-id": id });
    tr.append(
      el("td", { class: "col-rank", "data-field": "rank" }),
      el("td", { class: "col-story" }),
      el("td", { class: "num views-cell", "data-field": "views" }),
      el("td", { class: "num readers-cell", "data-field": "readers" }),
      el("td", { class: "col-spark", "data-field": "spark" }),
      el("td", { class: "col-sources", "data-field": "sources", hidden: true }),
    );
    return tr;
  }

  function storyCell(td, article, windowEnd) {
    const title = article.title || article.article_id;
    const href = article.url ? safeUrl(article.url) : null;
    // the heading stays the same element while it says the same (a focused link keeps focus)
    let heading = td.querySelector(".story-title");
    const tag = href ? "A" : "SPAN";
    if (!heading || heading.tagName !== tag || heading.getAttribute("href") !== href) {
      heading = href
        ? el("a", { class: "story-title", href, target: "_blank", rel: "noopener noreferrer" })
        : el("span", { class: "story-title" });
      heading.setAttribute("data-field", "title");
    }
    if (heading.textContent !== title) heading.textContent = title;
    if (article.language) heading.setAttribute("lang", article.language);
    else heading.removeAttribute("lang");
    const meta = el("div", { class: "story-meta" });
    meta.append(
      el("span", {
        class: "badge",
        "data-field": "section",
        text: sectionName(article.section || "unknown"),
      }),
    );
    if (article.published_at && windowEnd) {
      const published = Date.parse(article.published_at) / 1000;
      if (!Number.isNaN(published)) {
        meta.append(el("span", { text: `published ${ago(windowEnd - published)}` }));
      }
    }
    // on a phone the readers column gives way to this line (only one of them is shown)
    meta.append(
      el("span", { class: "meta-readers", text: `${fmt(article.readers_total)} readers` }),
    );
    if (article.bot_views_total)
      meta.append(el("span", { text: `${fmt(article.bot_views_total)} bot views left out` }));
    const oldMeta = td.querySelector(".story-meta");
    if (heading.parentNode === td && oldMeta)
      oldMeta.replaceWith(meta); // focus stays put
    else td.replaceChildren(heading, meta);
  }

  function sourcesCell(td, referrers) {
    const entries = Object.entries(referrers || {}).filter(([, n]) => n > 0);
    const total = entries.reduce((a, [, n]) => a + n, 0);
    if (!total) {
      td.replaceChildren(el("span", { text: "—" }));
      return;
    }
    entries.sort((a, b) => b[1] - a[1]);
    const bar = el("div", { class: "sources-bar", "aria-hidden": "true" });
    for (const [name, n] of entries) {
      const part = el("span", { class: `src-${SOURCES.includes(name) ? name : "other"}` });
      part.style.width = `${(100 * n) / total}%`;
      bar.append(part);
    }
    const text = entries
      .map(([name, n]) => `${sectionName(name)} ${Math.round((100 * n) / total)}%`)
      .join(", ");
    td.replaceChildren(bar, el("span", { class: "visually-hidden", text }));
    td.title = text;
  }

  function renderTop(data) {
    const body = $("stories-body");
    const rows = data.articles || [];
    const existing = new Map([...body.children].map((tr) => [tr.dataset.id, tr]));
    const haveSources = rows.some((a) => a.referrers && Object.keys(a.referrers).length);
    $("sources-head").hidden = !haveSources;
    $("views-unit").textContent = SPAN_LABELS[data.minutes] || `${data.minutes} min`;
    $("stories-caption").textContent =
      `Most-read articles, ${SPAN_LABELS[data.minutes] || data.minutes + " min"}`;
    const focused = body.contains(document.activeElement) ? document.activeElement : null;
    rows.forEach((article, index) => {
      let tr = existing.get(article.article_id);
      existing.delete(article.article_id);
      if (!tr) tr = buildStoryRow(article.article_id);
      const cells = tr.children;
      setText(cells[0], String(index + 1), false);
      storyCell(cells[1], article, data.window_end);
      setText(cells[2], fmt(article.views));
      setText(cells[3], fmt(article.readers_total));
      cells[5].hidden = !haveSources;
      if (haveSources) sourcesCell(cells[5], article.referrers);
      drawSpark(cells[4], article.article_id);
      body.append(tr); // in rank order (moves an existing row)
    });
    for (const tr of existing.values()) tr.remove();
    // moving a row to its new rank blurs a link in it: give the focus back
    if (focused && focused.isConnected && document.activeElement !== focused) {
      focused.focus({ preventScroll: true });
    }
    $("stories-empty").hidden = rows.length > 0;
    $("stories").hidden = rows.length === 0;
    const foot = $("stories-foot");
    foot.replaceChildren(
      "Views in the chosen span; readers are distinct readers since publication.",
    );
    if (haveSources) {
      const legend = el("span", { class: "sources-legend", "aria-hidden": "true" });
      for (const name of SOURCES) {
        legend.append(
          el("span", {}, el("span", { class: `src-key src-${name}` }), sectionName(name)),
        );
      }
      foot.append(" Sources: ", legend);
    } else {
      foot.append(" Sources per story are not recorded yet.");
    }
  }

  async function loadSparks(ids) {
    const now = Date.now();
    const due = ids.filter((id) => {
      const cached = state.sparks.get(id);
      return !state.sparkLoading.has(id) && (!cached || now - cached.at > SPARK_TTL_MS);
    });
    const worker = async () => {
      while (due.length) {
        const id = due.shift();
        state.sparkLoading.add(id);
        try {
          const article = await getJSON(`/api/v1/articles/${encodeURIComponent(id)}`);
          state.sparks.set(id, {
            at: Date.now(),
            series: article.series || [],
            published: article.published_at,
          });
          const row = document.querySelector(`#stories-body tr[data-id="${CSS.escape(id)}"]`);
          if (row) drawSpark(row.children[4], id);
        } catch (_) {
          // a sparkline is a nicety: keep the old one, try again next time
        } finally {
          state.sparkLoading.delete(id);
        }
      }
    };
    await Promise.all([worker(), worker(), worker()]);
    // forget sparklines of stories that left the list
    for (const id of state.sparks.keys()) if (!ids.includes(id)) state.sparks.delete(id);
  }

  function drawSpark(td, id) {
    const cached = state.sparks.get(id);
    if (!cached || !state.windowEnd) return;
    // up to the last complete minute: the newest one is still filling up
    const end = Math.floor(state.windowEnd / 60) - 2;
    const series = cached.series;
    let start = cached.published ? Math.floor(Date.parse(cached.published) / 60000) : NaN;
    if (Number.isNaN(start)) start = series.length ? Math.floor(series[0].minute / 60) : end;
    start = Math.min(start, end);
    const minutes = end - start + 1;
    const buckets = Math.min(SPARK_POINTS, minutes);
    const width = Math.ceil(minutes / buckets);
    const values = new Array(Math.ceil(minutes / width)).fill(0);
    let total = 0;
    for (const point of series) {
      const m = Math.floor(point.minute / 60);
      if (m < start || m > end) continue;
      values[Math.floor((m - start) / width)] += point.views;
      total += point.views;
    }
    const w = 120;
    const h = 28;
    const max = Math.max(1, ...values);
    const xs = (i) => (values.length === 1 ? w : (i * w) / (values.length - 1));
    const ys = (v) => h - 2 - (v / max) * (h - 4);
    const line = values
      .map((v, i) => `${i ? "L" : "M"}${xs(i).toFixed(1)},${ys(v).toFixed(1)}`)
      .join("");
    const root = svg("svg", { class: "spark", viewBox: `0 0 ${w} ${h}`, role: "img" });
    const label =
      `${fmt(total)} views since publication, ${minutes < 120 ? minutes + " min" : Math.round(minutes / 60) + " h"} ago; ` +
      `busiest stretch ${fmt(Math.max(...values))} views in ${width} min`;
    root.append(svg("title", { text: label }));
    root.append(svg("path", { class: "spark-area", d: `${line}L${w},${h}L0,${h}Z` }));
    root.append(svg("path", { class: "spark-line", d: line }));
    root.setAttribute("aria-label", label);
    td.replaceChildren(root);
  }

  // ------------------------------------------------------------------ sections

  async function loadSections() {
    const data = await getOptional("sections", "/api/v1/sections?minutes=60");
    if (data) {
      renderSections(data.sections, data.baselines, "Views in the last hour", true);
      return data;
    }
    // an older worker: all-time views per section from the running totals, no baseline
    const totals = await getJSON("/api/v1/totals");
    const rows = Object.entries(totals.page_views.by_section).map(([section, views]) => ({
      section,
      views,
      last_week: null,
      previous: null,
    }));
    rows.sort((a, b) => b.views - a.views);
    renderSections(
      rows,
      { last_week: false, previous: false },
      "All-time views (this worker serves no live baseline)",
      false,
    );
    return totals;
  }

  function renderSections(rows, baselines, subtitle, live) {
    const key = baselines.last_week ? "last_week" : baselines.previous ? "previous" : null;
    const against = key === "last_week" ? "the same hour last week" : "the hour before";
    let sub = subtitle;
    if (key) sub = `${subtitle}, against ${against}`;
    else if (live) sub = `${subtitle} · no baseline yet`;
    $("sections-sub").textContent = sub;
    const list = $("section-bars");
    list.replaceChildren();
    const max = Math.max(1, ...rows.map((r) => Math.max(r.views, key ? r[key] || 0 : 0)));
    for (const row of rows) {
      const base = key ? row[key] : null;
      const delta = change(row.views, base);
      const head = el(
        "div",
        { class: "section-row-head" },
        el("span", { class: "section-name", text: sectionName(row.section) }),
        el(
          "span",
          {},
          el("span", { class: "section-value", "data-field": "views", text: fmt(row.views) }),
          delta ? el("span", { class: `section-delta ${delta.cls}`, text: delta.text }) : null,
        ),
      );
      const track = el("div", { class: "section-track", "aria-hidden": "true" });
      const fill = el("div", { class: "section-fill" });
      fill.style.width = `${(100 * row.views) / max}%`;
      track.append(fill);
      if (base !== null && base !== undefined) {
        const marker = el("div", { class: "section-base" });
        marker.style.left = `${(100 * base) / max}%`;
        track.append(marker);
      }
      const spoken = base === null || base === undefined ? "" : ` (baseline ${fmt(base)})`;
      list.append(
        el(
          "li",
          { "data-section": row.section },
          head,
          track,
          el("span", { class: "visually-hidden", text: spoken }),
        ),
      );
    }
    if (key && rows.length) {
      list.append(el("li", { class: "section-legend", text: "The dark mark is the baseline." }));
    }
    $("sections-empty").hidden = rows.length > 0;
    state.sections = rows.map((r) => r.section).filter((s) => s !== "none");
    fillSectionFilter();
  }

  function fillSectionFilter() {
    const select = $("section-filter");
    const wanted = [
      ...new Set([...state.sections, ...(state.section ? [state.section] : [])]),
    ].sort();
    const have = [...select.options].slice(1).map((o) => o.value);
    if (wanted.join("|") === have.join("|")) return;
    select.replaceChildren(el("option", { value: "", text: "All sections" }));
    for (const section of wanted)
      select.append(el("option", { value: section, text: sectionName(section) }));
    select.value = state.section;
  }

  // ------------------------------------------------------------------ donation prompts

  async function loadCampaigns() {
    const query = state.campaignSpan ? `?minutes=${state.campaignSpan}` : "";
    const data = await getJSON(`/api/v1/campaigns${query}`);
    renderCampaigns(data.campaigns || []);
    return data;
  }

  function verdict(variants) {
    const shown = variants.filter((v) => v.shown > 0);
    const lead = shown.find((v) => v.leading);
    if (!lead) {
      return shown.length === 1
        ? [el("span", { text: "One variant: nothing to compare yet" })]
        : [];
    }
    const others = shown.filter((v) => v !== lead);
    const rival = others.length === 1 ? others[0].variant : "the runner-up";
    const p = lead.lead_probability;
    const call = p >= 0.95 ? "clear lead" : p >= 0.8 ? "likely lead" : "too close to call";
    return [
      el("strong", { text: lead.variant }),
      ` leads: ${Math.round(p * 100)}% chance it converts better than ${rival} · ${call}`,
    ];
  }

  function ciCell(row, scale) {
    const wrap = el("div", { class: "ci" });
    wrap.append(el("span", { "data-field": "conversion", text: pct(row.conversion_rate) }));
    if (row.conversion_interval_95) {
      const [low, high] = row.conversion_interval_95;
      const track = el("div", { class: "ci-track", "aria-hidden": "true" });
      const range = el("div", { class: "ci-range" });
      range.style.left = `${(100 * low) / scale}%`;
      range.style.width = `${Math.max(1, (100 * (high - low)) / scale)}%`;
      const point = el("div", { class: "ci-point" });
      point.style.left = `${(100 * row.conversion_rate) / scale}%`;
      track.append(range, point);
      wrap.append(track, el("span", { class: "ci-text", text: `95%: ${pct(low)}–${pct(high)}` }));
    }
    return wrap;
  }

  function funnelBars(row) {
    const bars = el("div", { class: "funnel-bars", "aria-hidden": "true" });
    const parts = [
      ["fb-shown", row.shown ? 1 : 0],
      ["fb-clicked", row.shown ? row.clicked / row.shown : 0],
      ["fb-donated", row.shown ? row.donations / row.shown : 0],
    ];
    for (const [cls, share] of parts) {
      const bar = el("div", { class: `funnel-bar ${cls}` });
      bar.style.width = `${Math.min(100, 100 * share)}%`;
      bars.append(bar);
    }
    return bars;
  }

  function campaignCard(campaignId, variants) {
    const scale = Math.max(
      0.01,
      ...variants.map((v) => (v.conversion_interval_95 ? v.conversion_interval_95[1] : 0)),
    );
    const head = el(
      "div",
      { class: "campaign-head" },
      el("h3", { text: campaignId }),
      el("p", { class: "verdict", "data-field": "verdict" }, ...verdict(variants)),
    );
    const table = el("table", { class: "funnel" });
    table.append(
      el("caption", {
        class: "visually-hidden",
        text: `Funnel of campaign ${campaignId} by variant`,
      }),
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          el("th", { scope: "col", text: "Variant" }),
          el("th", { scope: "col", class: "num", text: "Shown" }),
          el("th", { scope: "col", class: "num", text: "Clicked" }),
          el("th", { scope: "col", class: "num", text: "Donated" }),
          el("th", { scope: "col", class: "num", text: "Dismissed: close · later" }),
          el("th", { scope: "col", text: "Funnel" }),
          el("th", { scope: "col", class: "num", text: "Click-through" }),
          el("th", { scope: "col", class: "num", text: "Conversion" }),
          el("th", { scope: "col", class: "num", text: "Raised" }),
        ),
      ),
    );
    const body = el("tbody");
    for (const row of variants) {
      const name = el(
        "td",
        { class: "variant-cell" },
        el("span", { class: "variant-name", text: row.variant }),
      );
      if (row.leading) name.append(el("span", { class: "lead-badge", text: "Leads" }));
      body.append(
        el(
          "tr",
          { "data-variant": row.variant },
          name,
          el(
            "td",
            { class: "num", "data-label": "Shown" },
            el("span", { "data-field": "shown", text: fmt(row.shown) }),
          ),
          el(
            "td",
            { class: "num", "data-label": "Clicked" },
            el("span", { "data-field": "clicked", text: fmt(row.clicked) }),
          ),
          el(
            "td",
            { class: "num", "data-label": "Donated" },
            el("span", { "data-field": "donations", text: fmt(row.donations) }),
          ),
          el(
            "td",
            { class: "num dismissed", "data-label": "Dismissed: close · later" },
            el(
              "span",
              {},
              el("span", { "data-field": "dismissed_close", text: fmt(row.dismissed_close) }),
              " · ",
              el("span", {
                "data-field": "dismissed_remind_later",
                text: fmt(row.dismissed_remind_later),
              }),
            ),
          ),
          el("td", { class: "funnel-cell" }, funnelBars(row)),
          el(
            "td",
            { class: "num ctr-cell", "data-label": "Click-through" },
            el("span", { "data-field": "ctr", text: pct(row.ctr) }),
          ),
          el("td", { class: "num conv-cell", "data-label": "Conversion" }, ciCell(row, scale)),
          el(
            "td",
            { class: "num raised-cell", "data-label": "Raised" },
            el("span", { "data-field": "raised", text: money(row.donation_amount_minor) }),
          ),
        ),
      );
    }
    table.append(body);
    const scroll = el("div", {
      class: "table-scroll",
      tabindex: "0",
      role: "region",
      "aria-label": `Campaign ${campaignId}`,
    });
    scroll.append(table);
    return el("article", { class: "campaign", "data-campaign": campaignId }, head, scroll);
  }

  function renderCampaigns(rows) {
    const groups = new Map();
    let unattributed = null;
    for (const row of rows) {
      if (row.campaign_id === "unattributed") {
        unattributed = row;
        continue;
      }
      if (!groups.has(row.campaign_id)) groups.set(row.campaign_id, []);
      groups.get(row.campaign_id).push(row);
    }
    const list = $("campaign-list");
    const active = document.activeElement;
    const focused = active && list.contains(active) ? active.closest("[data-campaign]") : null;
    const cards = [...groups.entries()]
      .sort((a, b) => b[1].reduce((s, r) => s + r.shown, 0) - a[1].reduce((s, r) => s + r.shown, 0))
      .map(([id, variants]) => campaignCard(id, variants));
    list.replaceChildren(...cards);
    if (focused) {
      // keep the keyboard where it was: on the same campaign's table
      const again = cards.find((c) => c.dataset.campaign === focused.dataset.campaign);
      if (again) again.querySelector(".table-scroll").focus({ preventScroll: true });
    }
    $("campaigns-empty").hidden = groups.size > 0;
    const foot = $("unattributed");
    foot.hidden = !unattributed;
    if (unattributed) {
      foot.textContent =
        `Donations not attributed to a prompt: ${fmt(unattributed.donations)} ` +
        `(${money(unattributed.donation_amount_minor)}).`;
    }
  }

  // ------------------------------------------------------------------ alerts

  async function loadAlerts() {
    let data;
    try {
      data = await getOptional("alerts", "/api/v1/alerts");
    } catch (_) {
      return null; // alerts never make the rest of the page look broken
    }
    const alerts = Array.isArray(data) ? data : (data && data.alerts) || [];
    renderAlerts(
      alerts.filter((a) => a && !a.resolved && (a.kind || "engagement_drop") === "engagement_drop"),
    );
    return null;
  }

  function renderAlerts(alerts) {
    const box = $("alerts");
    box.hidden = alerts.length === 0;
    box.replaceChildren(
      ...alerts.map((a) => {
        const where = a.scope === "section" && a.section ? sectionName(a.section) : "Whole site";
        const drop =
          typeof a.drop_ratio === "number"
            ? `, ${Math.round(a.drop_ratio * 100)}% below normal`
            : "";
        const since = a.window_start ? ` since ${hhmm(Date.parse(a.window_start) / 1000)}` : "";
        return el(
          "div",
          { class: "alert-item" },
          el("span", { class: "alert-kind", text: `Engagement drop · ${where}: ` }),
          `${fmt(a.observed)} views against ${fmt(a.expected)} expected${drop}${since}.`,
        );
      }),
    );
  }

  // ------------------------------------------------------------------ status and scheduling

  function setStatus(kind, text, notice) {
    $("status").dataset.state = kind;
    const node = $("status-text");
    if (node.textContent !== text) node.textContent = text;
    const box = $("notice");
    box.hidden = !notice;
    box.textContent = notice || "";
    $("main").classList.toggle("stale", kind === "offline");
  }

  async function cycle() {
    const slow = state.cycle % SLOW_EVERY === 0;
    state.cycle += 1;
    const jobs = [loadPulse(), loadTop(), loadCampaigns()];
    if (slow) jobs.push(loadSections());
    if (slow) loadAlerts();
    const results = await Promise.allSettled(jobs);
    const failed = results.filter((r) => r.status === "rejected").length;
    const partial = results.some((r) => r.status === "fulfilled" && r.value && r.value.partial);
    const since = state.lastOk ? clockFormat.format(state.lastOk) : null;
    if (failed === 0) {
      state.failures = 0;
      state.lastOk = new Date();
      const updated = $("updated");
      updated.textContent = clockFormat.format(state.lastOk);
      updated.setAttribute("datetime", state.lastOk.toISOString());
      if (partial) {
        setStatus(
          "partial",
          "Partial",
          "A pipeline worker is not answering: some numbers are lower than they should be until it is back.",
        );
      } else {
        setStatus("live", "Live", null);
      }
    } else {
      state.failures += failed === results.length ? 1 : 0;
      if (state.failures >= OFFLINE_AFTER) {
        setStatus(
          "offline",
          "Offline",
          since
            ? `The pipeline is not answering. These are the numbers from ${since}; the page keeps trying.`
            : "The pipeline is not answering yet; the page keeps trying.",
        );
      } else {
        setStatus(
          "slow",
          "Reconnecting…",
          since ? `The pipeline is slow to answer; some numbers are from ${since}.` : null,
        );
      }
    }
  }

  function schedule() {
    clearTimeout(state.timer);
    let delay = document.hidden ? HIDDEN_REFRESH_MS : REFRESH_MS;
    if (state.failures > 0) delay = Math.min(MAX_BACKOFF_MS, REFRESH_MS * 2 ** state.failures);
    state.timer = setTimeout(refresh, delay);
  }

  /** One refresh at a time; a refresh asked for meanwhile runs right after. */
  async function refresh() {
    if (state.running) {
      state.again = true;
      return state.running;
    }
    clearTimeout(state.timer);
    state.running = (async () => {
      try {
        await cycle();
      } catch (err) {
        setStatus("slow", "Reconnecting…", null);
        console.warn("refresh failed", err);
      }
    })();
    await state.running;
    state.running = null;
    if (state.again) {
      state.again = false;
      return refresh();
    }
    schedule();
    return undefined;
  }

  function wireControls() {
    $("span-control").addEventListener("change", (event) => {
      state.span = Number(event.target.value);
      refresh();
    });
    $("campaign-span-control").addEventListener("change", (event) => {
      state.campaignSpan = Number(event.target.value);
      refresh();
    });
    $("section-filter").addEventListener("change", (event) => {
      state.section = event.target.value;
      refresh();
    });
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden) refresh();
    });
  }

  function start() {
    state.span = Number(document.querySelector('input[name="span"]:checked').value);
    state.campaignSpan = Number(
      document.querySelector('input[name="campaign-span"]:checked').value,
    );
    wireControls();
    wireChart();
    drawChart();
    refresh();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
