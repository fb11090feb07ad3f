// trueup's dashboard: fills the page from the HTTP API and keeps it current from
// /api/events. Every value from Git or a cluster is written with textContent (never as
// HTML); a link is made only for an http(s) URL. No build step, no dependency.
"use strict";

(() => {
  const meta = (name) => {
    const found = document.querySelector(`meta[name="trueup-${name}"]`);
    return found ? found.content : "";
  };
  const PAGE = meta("page");
  const APP = meta("app");
  const CSRF = meta("csrf");
  const OPERATOR = meta("role") === "operator";
  const KINDS = meta("kinds").split(",").filter(Boolean);
  const PAGE_SIZE = 100;
  const BATCH_REFETCH = 20; // more Apps changed at once than this: read the list again

  // ---- small helpers ------------------------------------------------------------------

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child !== null && child !== undefined && child !== false) node.append(child);
    }
    return node;
  }

  // replaceChildren without the nulls left by conditional parts.
  function put(node, ...children) {
    node.replaceChildren(
      ...children.filter((c) => c !== null && c !== undefined && c !== false)
    );
  }

  function link(url, text) {
    if (typeof url === "string" && /^https?:\/\//i.test(url)) {
      return el("a", { href: url, rel: "noopener noreferrer", target: "_blank", text: text || url });
    }
    return el("span", { text: text || url || "" });
  }

  function tone(status) {
    const text = String(status || "");
    if (/^(Synced|Healthy|succeeded|Normal)$/.test(text)) return "ok";
    if (/^(OutOfSync|Drifted|Progressing|partial)/.test(text)) return "warn";
    if (/^(Degraded|Missing|Invalid|failed|Warning|Removed)/.test(text)) return "bad";
    return "muted";
  }

  function badge(status, role) {
    return el("span", { class: `badge ${tone(status)}`, "data-role": role, text: status || "-" });
  }

  function shortRevision(revision) {
    const text = String(revision || "-");
    const match = /^(.*)@sha1:([0-9a-f]{7})[0-9a-f]*$/.exec(text);
    return match ? `${match[1]}@${match[2]}` : text;
  }

  // One formatter for every time (toLocaleString's own fields): making one per call is
  // slow when a page of rows is drawn.
  const TIME = new Intl.DateTimeFormat(undefined, {
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  });

  function when(text) {
    if (!text || text === "-") return "-";
    const time = new Date(text);
    return Number.isNaN(time.getTime()) ? text : TIME.format(time);
  }

  async function api(path, options) {
    const method = (options && options.method) || "GET";
    const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (method !== "GET") {
      init.headers["Content-Type"] = "application/json";
      init.headers["X-CSRF-Token"] = CSRF;
      init.body = JSON.stringify((options && options.body) || {});
    }
    const answer = await fetch(path, init);
    if (answer.status === 401) {
      location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
      throw new Error("the session ended: log in again");
    }
    const data = await answer.json().catch(() => ({}));
    if (!answer.ok) {
      throw new Error((data.error && data.error.message) || `${answer.status} ${answer.statusText}`);
    }
    return data;
  }

  function notice(text, kind) {
    const area = document.getElementById("notice");
    if (!area) return;
    area.textContent = text;
    area.className = `notice ${kind || ""}`;
    area.hidden = !text;
  }

  // ---- the live connection --------------------------------------------------------------

  // onEvent gets each event's kind and its data unparsed (the overview only queues it).
  // EventSource reconnects by itself, sending Last-Event-ID; when the server refuses it
  // (a restarting daemon answers 503) it gives up, and a new one is opened here after a
  // pause, the page reading everything again since events may have been missed.
  function live(url, onEvent, onReopened) {
    const banner = document.getElementById("banner");
    let pause = 1000;
    function connect() {
      const source = new EventSource(url);
      source.onopen = () => {
        banner.hidden = true;
        document.body.dataset.live = "open";
        pause = 1000;
      };
      source.onerror = () => {
        banner.textContent = "The connection to trueup was lost; reconnecting…";
        banner.hidden = false;
        document.body.dataset.live = "lost";
        if (source.readyState === EventSource.CLOSED) {
          setTimeout(() => {
            connect();
            onReopened();
          }, pause);
          pause = Math.min(pause * 2, 15000);
        }
      };
      const handle = (event) => onEvent(event.type, event.data);
      for (const kind of KINDS) source.addEventListener(kind, handle);
      source.onmessage = handle;
    }
    connect();
  }

  // ---- the overview -----------------------------------------------------------------------

  const COLUMNS = [
    ["app", "App"],
    ["sync", "Sync"],
    ["health", "Health"],
    ["revision", "Revision"],
    ["lastSync", "Last reconcile"],
    ["nextReconcile", "Next"],
    ["source", "Source"],
    ["error", "Message"],
  ];

  function category(app) {
    return app.sync.startsWith("Drifted") ? "Drifted" : app.sync;
  }

  // The overview keeps every App as data and draws only the page of rows in view. A live
  // event is only queued; one flush per animation frame reads the queued events, asks the
  // API once for the Apps they name (one list request for a batch), applies the answers
  // within a time budget (what is left waits for the next frame), keeps the counts by
  // adding and subtracting, and updates the visible rows in place, cell by cell. So a burst
  // of 1,000 changes never holds the page for long, and nothing unchanged is redrawn (no
  // flicker). The flush only writes to the page; it never reads layout.
  const FRAME_BUDGET = 6; // milliseconds of work per frame before the rest waits a frame
  const RETRY = 2000; // milliseconds before a failed read of changed Apps is tried again

  function overview(main) {
    const collator = new Intl.Collator();
    const state = {
      apps: new Map(), // name -> summary: every App the page knows
      filter: "",
      search: "",
      sort: "app",
      descending: false,
      page: 0,
      order: [], // names passing the filter and the search, sorted
      orderStale: true,
      tally: new Map(), // category -> number of Apps
      rows: new Map(), // name -> {tr, cells, keys}: rows made so far
      stale: new Set(), // names of made rows that show an older summary
      events: [], // data of live events not read yet
      wanted: new Set(), // names to read again from the API
      incoming: [], // answers to apply: {items, index, names (null: every App)}
      loaded: false, // the first full read has been applied
      fetching: false,
      scheduled: false,
    };
    const counts = el("div", { class: "filters", id: "filters" });
    const chips = new Map(); // filter name -> button
    const search = el("input", {
      type: "search",
      id: "search",
      placeholder: "Search by name, source or label (key=value)",
      oninput: () => {
        state.search = search.value.trim().toLowerCase();
        state.page = 0;
        reorder();
      },
    });
    const head = el("tr");
    for (const [key, title] of COLUMNS) {
      head.append(
        el("th", {
          "data-sort": key,
          text: title,
          onclick: () => {
            state.descending = state.sort === key ? !state.descending : false;
            state.sort = key;
            reorder();
          },
        })
      );
    }
    const body = el("tbody", { id: "apps" });
    const none = el("tr", {}, el("td", { colspan: COLUMNS.length, text: "No App matches." }));
    const previous = el("button", { type: "button", text: "Previous", onclick: () => turn(-1) });
    const position = el("span");
    const next = el("button", { type: "button", text: "Next", onclick: () => turn(1) });
    const pager = el("div", { class: "pager", id: "pager" }, previous, position, next);
    put(main,
      el("h1", { text: "Apps" }),
      el("div", { id: "notice", class: "notice", hidden: true }),
      el("div", { class: "controls" }, search, counts),
      el("table", { class: "apps" }, el("thead", {}, head), body),
      pager
    );

    function reorder() {
      state.orderStale = true;
      schedule();
    }

    function turn(by) {
      state.page += by;
      schedule();
    }

    function matches(app) {
      if (state.filter && category(app) !== state.filter) return false;
      if (!state.search) return true;
      const labels = Object.entries(app.labels || {}).map(([k, v]) => `${k}=${v}`);
      return [app.app, app.source, ...labels].some((text) =>
        String(text).toLowerCase().includes(state.search)
      );
    }

    function sortValue(app) {
      return String(app[state.sort] ?? "");
    }

    function sorted() {
      const pairs = [];
      for (const app of state.apps.values()) {
        if (matches(app)) pairs.push([sortValue(app), app.app]);
      }
      pairs.sort((a, b) => collator.compare(a[0], b[0]) || collator.compare(a[1], b[1]));
      if (state.descending) pairs.reverse();
      return pairs.map((pair) => pair[1]);
    }

    // ---- the data: answers of the API applied one App at a time ----

    function same(a, b) {
      const keys = Object.keys(b);
      if (keys.length !== Object.keys(a).length) return false;
      for (const key of keys) {
        const [x, y] = [a[key], b[key]];
        if (x === y) continue;
        if (x && y && typeof x === "object" && JSON.stringify(x) === JSON.stringify(y)) continue;
        return false;
      }
      return true;
    }

    function count(app, delta) {
      const name = category(app);
      const total = (state.tally.get(name) || 0) + delta;
      if (total > 0) state.tally.set(name, total);
      else state.tally.delete(name);
    }

    function apply(app) {
      const before = state.apps.get(app.app);
      if (before && same(before, app)) return;
      state.apps.set(app.app, app);
      if (before) count(before, -1);
      count(app, 1);
      if (!before || sortValue(before) !== sortValue(app) || matches(before) !== matches(app)) {
        state.orderStale = true;
      }
      if (state.rows.has(app.app)) state.stale.add(app.app);
    }

    function forget(name) {
      const before = state.apps.get(name);
      if (!before) return;
      state.apps.delete(name);
      count(before, -1);
      state.rows.delete(name);
      state.stale.delete(name);
      state.orderStale = true;
    }

    // Applies queued answers until the deadline; true when some are left for later.
    function applyIncoming(deadline) {
      while (state.incoming.length) {
        const answer = state.incoming[0];
        while (answer.index < answer.items.length) {
          if (state.loaded && answer.index % 16 === 0 && performance.now() > deadline) {
            return true;
          }
          apply(answer.items[answer.index]);
          answer.index += 1;
        }
        // An App asked for (or, after a full read, any App) that the answer lacks is gone.
        const present = new Set(answer.items.map((app) => app.app));
        for (const name of answer.names || [...state.apps.keys()]) {
          if (!present.has(name)) forget(name);
        }
        if (!answer.names) state.loaded = true;
        state.incoming.shift();
      }
      return false;
    }

    async function readAll() {
      const items = [];
      let next = null;
      do {
        const query = new URLSearchParams({ limit: "1000" });
        if (next) query.set("continue", next);
        const page = await api(`/api/apps?${query}`);
        items.push(...page.items);
        next = page.continue;
      } while (next);
      return items;
    }

    function loadAll() {
      return readAll().then((items) => {
        state.incoming.push({ items, index: 0, names: null });
        schedule();
      });
    }

    // One read at a time: the Apps named by the events queued meanwhile are read next,
    // together. More than BATCH_REFETCH of them: the whole list in one request.
    async function fetchWanted() {
      if (state.fetching || !state.wanted.size) return;
      state.fetching = true;
      const names = [...state.wanted];
      state.wanted.clear();
      try {
        if (names.length > BATCH_REFETCH) {
          state.incoming.push({ items: await readAll(), index: 0, names: null });
        } else {
          const pages = await Promise.all(
            names.map((name) => api(`/api/apps?${new URLSearchParams({ name, limit: "1" })}`))
          );
          state.incoming.push({ items: pages.flatMap((page) => page.items), index: 0, names });
        }
        state.fetching = false;
        schedule();
      } catch (error) {
        notice(String(error.message || error), "bad");
        setTimeout(() => {
          for (const name of names) state.wanted.add(name);
          state.fetching = false;
          schedule();
        }, RETRY);
      }
    }

    function readEvents() {
      for (const text of state.events.splice(0)) {
        let data;
        try {
          data = JSON.parse(text);
        } catch {
          continue;
        }
        if (data && data.app) state.wanted.add(data.app);
      }
    }

    // ---- the page: written, never measured ----

    function schedule() {
      if (state.scheduled) return;
      state.scheduled = true;
      requestAnimationFrame(flush);
    }

    function flush() {
      state.scheduled = false;
      const start = performance.now();
      readEvents();
      fetchWanted();
      const more = applyIncoming(start + FRAME_BUDGET);
      const behind = draw(start + 2 * FRAME_BUDGET);
      if (more || behind || state.events.length) schedule();
    }

    function cell(row, index, key, ...content) {
      if (row.keys[index] === key) return;
      row.keys[index] = key;
      put(row.cells[index], ...content);
    }

    function fill(row, app) {
      const link = () => el("a", { href: `/apps/${encodeURIComponent(app.app)}`, text: app.app });
      cell(row, 0, app.app, link());
      const sync = category(app);
      const drift = app.drifted ? ` (${app.drifted})` : "";
      cell(row, 1, `${sync}\n${drift}`, badge(sync, "sync"), drift ? el("span", { text: drift }) : null);
      cell(row, 2, String(app.health), badge(app.health, "health"));
      cell(row, 3, [app.revision, app.commitSubject, app.commitAuthor].join("\n"),
        el("code", { text: shortRevision(app.revision) }),
        app.commitSubject ? el("div", { class: "subject", text: app.commitSubject }) : null,
        app.commitAuthor ? el("div", { class: "author", text: app.commitAuthor }) : null
      );
      cell(row, 4, String(app.lastSync), when(app.lastSync));
      cell(row, 5, String(app.nextReconcile), when(app.nextReconcile));
      cell(row, 6, String(app.source), String(app.source ?? ""));
      const message = app.error || app.reason || "";
      cell(row, 7, message, message);
    }

    function makeRow(name) {
      const cells = COLUMNS.map(([key]) =>
        el("td", { class: key === "revision" ? "revision" : key === "error" ? "message" : null })
      );
      const row = { tr: el("tr", { "data-app": name }, ...cells), cells, keys: [] };
      state.rows.set(name, row);
      return row;
    }

    // Puts the rows in the body in order, moving only those out of place.
    function place(rows) {
      let cursor = body.firstChild;
      for (const tr of rows) {
        if (cursor === tr) cursor = cursor.nextSibling;
        else body.insertBefore(tr, cursor);
      }
      while (cursor) {
        const after = cursor.nextSibling;
        cursor.remove();
        cursor = after;
      }
    }

    function setText(node, text) {
      if (node.textContent !== text) node.textContent = text;
    }

    function setClass(node, name) {
      if (node.className !== name) node.className = name;
    }

    function drawCounts() {
      const wanted = [["", `All ${state.apps.size}`]];
      const names = [...state.tally.keys()].sort();
      for (const name of names) wanted.push([name, `${name} ${state.tally.get(name)}`]);
      const current = [...chips.keys()];
      if (current.length !== wanted.length || wanted.some(([name], i) => current[i] !== name)) {
        chips.clear();
        for (const [name] of wanted) {
          chips.set(name, el("button", {
            type: "button",
            "data-filter": name || "all",
            onclick: () => {
              state.filter = name;
              state.page = 0;
              reorder();
            },
          }));
        }
        put(counts, ...chips.values());
      }
      for (const [name, text] of wanted) {
        const chip = chips.get(name);
        setText(chip, text);
        setClass(chip, `chip ${state.filter === name ? "on" : ""}`);
      }
    }

    // Draws what changed; true when rows were left out of date for the next frame.
    function draw(deadline) {
      drawCounts();
      for (const th of head.children) {
        setClass(th, th.dataset.sort === state.sort ? (state.descending ? "desc" : "asc") : "");
      }
      if (state.orderStale) {
        state.order = sorted();
        state.orderStale = false;
      }
      const pages = Math.max(1, Math.ceil(state.order.length / PAGE_SIZE));
      state.page = Math.max(0, Math.min(state.page, pages - 1));
      const slice = state.order.slice(state.page * PAGE_SIZE, (state.page + 1) * PAGE_SIZE);
      let behind = false;
      const rows = slice.map((name) => {
        let row = state.rows.get(name);
        if (!row) {
          row = makeRow(name);
          fill(row, state.apps.get(name));
        } else if (state.stale.has(name)) {
          if (performance.now() > deadline) {
            behind = true;
            return row.tr;
          }
          fill(row, state.apps.get(name));
          state.stale.delete(name);
        }
        return row.tr;
      });
      place(rows.length ? rows : [none]);
      if (previous.disabled !== (state.page === 0)) previous.disabled = state.page === 0;
      if (next.disabled !== state.page >= pages - 1) next.disabled = state.page >= pages - 1;
      setText(position, ` ${state.order.length} Apps, page ${state.page + 1} of ${pages} `);
      return behind;
    }

    loadAll().catch((error) => notice(String(error.message || error), "bad"));
    live(
      "/api/events",
      (_kind, text) => {
        state.events.push(text);
        schedule();
      },
      () => loadAll().catch(() => {})
    );
  }

  // ---- one App ------------------------------------------------------------------------------

  function appPage(main) {
    const name = APP;
    const path = `/api/apps/${encodeURIComponent(name)}`;
    const header = el("section", { id: "summary", class: "summary" });
    const actions = el("section", { id: "actions", class: "actions" });
    const preview = el("section", { id: "preview", class: "preview", hidden: true });
    const source = el("section", { id: "source", class: "panel" });
    const tree = el("section", { id: "tree", class: "panel" });
    const diff = el("section", { id: "diff", class: "panel" });
    const history = el("section", { id: "history", class: "panel" });
    const events = el("ul", { id: "events", class: "events" });
    const kubeEvents = el("section", { id: "kube-events", class: "panel" });
    let detail = null;
    let kubeList = [];
    let diffMode = "unified";
    let lastDiff = null;

    put(main,
      el("p", {}, el("a", { href: "/", text: "← All Apps" })),
      el("h1", { id: "app-name", text: name }),
      el("div", { id: "notice", class: "notice", hidden: true }),
      header,
      actions,
      preview,
      source,
      el("h2", { text: "Resources" }),
      tree,
      el("h2", { text: "Diff: what a sync would change" }),
      diff,
      el("h2", { text: "History" }),
      history,
      el("h2", { text: "Events" }),
      events,
      el("h2", { text: "Kubernetes events" }),
      kubeEvents
    );

    const fail = (error) => notice(String(error.message || error), "bad");

    function drawSummary() {
      const app = detail.app;
      put(header,
        el(
          "dl",
          {},
          el("dt", { text: "Sync" }),
          el("dd", {}, badge(category(app), "sync")),
          el("dt", { text: "Health" }),
          el("dd", {}, badge(app.health, "health")),
          el("dt", { text: "Revision" }),
          el(
            "dd",
            {},
            el("code", { text: app.revision }),
            app.commitSubject ? el("span", { class: "subject", text: ` ${app.commitSubject}` }) : null,
            app.commitAuthor ? el("span", { class: "author", text: ` — ${app.commitAuthor}` }) : null
          ),
          el("dt", { text: "Last reconcile" }),
          el("dd", { text: when(app.lastSync) }),
          el("dt", { text: "Next" }),
          el("dd", { text: when(app.nextReconcile) }),
          el("dt", { text: "Target" }),
          el("dd", { text: app.target }),
          el("dt", { text: "Message" }),
          el("dd", { id: "app-message", text: app.error || app.reason || "" })
        )
      );
      if (!OPERATOR) {
        put(actions, );
        return;
      }
      put(actions,
        el("button", { type: "button", id: "sync", text: "Sync…", onclick: () => planSync(null) }),
        app.suspended
          ? el("button", { type: "button", id: "resume", text: "Resume", onclick: resume })
          : el("button", { type: "button", id: "suspend", text: "Suspend", onclick: suspend })
      );
    }

    async function loadDetail() {
      detail = await api(path);
      drawSummary();
      const sources = await api("/api/sources");
      const mine = sources.items.find(
        (s) => s.name === detail.app.source && (!s.namespace || s.namespace === detail.app.namespace)
      ) || sources.items.find((s) => s.name === detail.app.source);
      put(source,
        el("h2", { text: "Source" }),
        mine
          ? el(
              "dl",
              {},
              el("dt", { text: "GitSource" }),
              el("dd", { text: mine.source }),
              el("dt", { text: "URL" }),
              el("dd", {}, link(mine.url)),
              el("dt", { text: "Revision" }),
              el("dd", {}, el("code", { text: mine.revision || "-" })),
              el("dt", { text: "Last fetch" }),
              el("dd", { id: "last-fetch", text: when(mine.lastFetch) }),
              el("dt", { text: "Error" }),
              el("dd", { id: "source-error", class: mine.error ? "bad" : "", text: mine.error || "none" })
            )
          : el("p", { text: "The source is not known yet." })
      );
    }

    function objectSync(object) {
      const found = detail && detail.objects.find((o) => o.object === object);
      return found ? found.sync : "";
    }

    function drawNode(node) {
      const sync = node.managed ? objectSync(node.object) : "";
      const summary = el(
        "summary",
        {},
        badge(node.health, "health"),
        sync ? badge(sync, "sync") : null,
        el("span", { class: "object", text: node.object }),
        node.managed ? null : el("span", { class: "owned", text: " (owned)" }),
        OPERATOR && node.managed
          ? el("button", {
              type: "button",
              class: "object-sync",
              text: "Sync…",
              onclick: (event) => {
                event.preventDefault();
                planSync([node.object]);
              },
            })
          : null
      );
      const about = kubeList.filter((e) => e.object === node.object);
      const body = el(
        "div",
        { class: "node-body" },
        el("div", { text: `apiVersion: ${node.apiVersion}` }),
        el("div", { class: "reason", text: node.healthMessage || "no message" }),
        about.length
          ? el(
              "ul",
              { class: "object-events" },
              ...about.map((e) => el("li", { class: tone(e.type), text: `${e.type} ${e.reason}: ${e.message} (×${e.count})` }))
            )
          : null
      );
      return el(
        "li",
        { "data-object": node.object },
        el("details", { title: node.healthMessage || "" }, summary, body),
        node.children.length ? el("ul", {}, ...node.children.map(drawNode)) : null
      );
    }

    async function loadTree() {
      const [answer, kube] = await Promise.all([
        api(`${path}/tree`),
        api(`${path}/kube-events`).catch(() => ({ items: [] })),
      ]);
      kubeList = kube.items;
      put(tree,
        el("ul", { class: "tree" }, ...answer.nodes.map(drawNode)),
        answer.truncated ? el("p", { text: "Not every object is shown (too many)." }) : null
      );
      put(kubeEvents,
        kubeList.length
          ? el(
              "table",
              {},
              el("thead", {}, el("tr", {}, ...["Last seen", "Object", "Type", "Reason", "Message", "Count"].map((t) => el("th", { text: t })))),
              el(
                "tbody",
                {},
                ...kubeList.map((e) =>
                  el("tr", {}, el("td", { text: when(e.lastTime) }), el("td", { text: e.object }), el("td", {}, badge(e.type)), el("td", { text: e.reason }), el("td", { text: e.message }), el("td", { text: String(e.count) }))
                )
              )
            )
          : el("p", { text: "No Kubernetes events for the App's objects." })
      );
    }

    // A unified diff drawn line by line; side by side pairs each run of removed lines
    // with the run of added lines after it.
    function unified(text) {
      return el(
        "pre",
        { class: "diff unified" },
        ...text.split("\n").map((line) =>
          el("span", { class: lineClass(line), text: `${line}\n` })
        )
      );
    }

    function lineClass(line) {
      if (line.startsWith("+++") || line.startsWith("---")) return "file";
      if (line.startsWith("@@")) return "hunk";
      if (line.startsWith("+")) return "add";
      if (line.startsWith("-")) return "del";
      return "same";
    }

    function sideBySide(text) {
      const rows = [];
      let removed = [];
      let added = [];
      const flush = () => {
        for (let i = 0; i < Math.max(removed.length, added.length); i += 1) {
          rows.push([removed[i], "del", added[i], "add"]);
        }
        removed = [];
        added = [];
      };
      for (const line of text.split("\n")) {
        const kind = lineClass(line);
        if (kind === "del") removed.push(line.slice(1));
        else if (kind === "add") added.push(line.slice(1));
        else {
          flush();
          if (kind === "same") rows.push([line.slice(1), "same", line.slice(1), "same"]);
          else if (kind === "hunk") rows.push([line, "hunk", line, "hunk"]);
        }
      }
      flush();
      return el(
        "table",
        { class: "diff side" },
        el(
          "tbody",
          {},
          ...rows.map(([left, leftKind, right, rightKind]) =>
            el(
              "tr",
              {},
              el("td", { class: left === undefined ? "none" : leftKind, text: left ?? "" }),
              el("td", { class: right === undefined ? "none" : rightKind, text: right ?? "" })
            )
          )
        )
      );
    }

    function drawDiff() {
      const answer = lastDiff;
      const modes = el(
        "div",
        { class: "modes" },
        ...[
          ["unified", "Unified"],
          ["side", "Side by side"],
        ].map(([mode, title]) =>
          el("button", {
            type: "button",
            class: `chip ${diffMode === mode ? "on" : ""}`,
            id: `diff-${mode}`,
            text: title,
            onclick: () => {
              diffMode = mode;
              drawDiff();
            },
          })
        ),
        el("button", { type: "button", id: "diff-refresh", text: "Refresh", onclick: () => loadDiff().catch(fail) })
      );
      if (answer.failure) {
        put(diff, modes, el("p", { class: "bad", text: `${answer.failure.reason}: ${answer.failure.message}` }));
        return;
      }
      if (!answer.entries.length) {
        put(diff, modes, el("p", { id: "no-diff", text: "Nothing differs: the cluster matches Git." }));
        return;
      }
      put(diff,
        modes,
        ...answer.entries.map((entry) =>
          el(
            "div",
            { class: "diff-entry", "data-object": entry.object },
            el("h3", {}, el("span", { class: "object", text: entry.object }), el("span", { class: "action", text: ` ${entry.action}` })),
            diffMode === "unified" ? unified(entry.diff) : sideBySide(entry.diff)
          )
        )
      );
    }

    async function loadDiff() {
      put(diff, el("p", { text: "Comparing with the cluster…" }));
      lastDiff = await api(`${path}/diff`);
      drawDiff();
    }

    async function loadHistory() {
      const answer = await api(`${path}/history?limit=50`);
      const current = detail ? detail.app.revision : "";
      const head = ["Started", "Revision", "Commit", "Trigger", "Result", "Duration", "Changes", ""];
      put(history,
        el(
          "table",
          {},
          el("thead", {}, el("tr", {}, ...head.map((t) => el("th", { text: t })))),
          el(
            "tbody",
            {},
            ...answer.items.map((attempt) =>
              el(
                "tr",
                { "data-attempt": attempt.id },
                el("td", { text: when(attempt.startedAt) }),
                el("td", {}, el("code", { text: shortRevision(attempt.revision) })),
                el("td", { class: "commit" }, attempt.commit ? `${attempt.commit.subject} — ${attempt.commit.author}` : ""),
                el("td", { class: "trigger", text: attempt.trigger }),
                el("td", {}, badge(attempt.result), attempt.error ? el("div", { class: "message", text: attempt.error }) : null),
                el("td", { text: `${attempt.durationSeconds}s` }),
                el("td", { text: attempt.summary }),
                el(
                  "td",
                  {},
                  OPERATOR && attempt.result === "succeeded" && attempt.revision && attempt.revision !== current
                    ? el("button", { type: "button", class: "rollback", text: "Roll back…", onclick: () => planRollback(attempt) })
                    : null
                )
              )
            )
          )
        )
      );
    }

    function drawEvent(event, first) {
      const item = el(
        "li",
        { class: tone(event.severity === "warning" || event.severity === "error" ? "Warning" : "Normal"), "data-reason": event.reason },
        el("time", { text: when(event.time) }),
        el("span", { class: "reason", text: ` ${event.reason} ` }),
        el("span", { class: "message", text: event.message })
      );
      if (first) events.prepend(item);
      else events.append(item);
      while (events.children.length > 200) events.lastChild.remove();
    }

    async function loadEvents() {
      const answer = await api(`${path}/events?limit=50`);
      put(events);
      for (const event of answer.items) drawEvent(event, false);
    }

    // ---- actions (operator only; the API refuses them to a viewer anyway) ----

    function showPreview(...children) {
      put(preview, ...children);
      preview.hidden = false;
    }

    function closePreview() {
      preview.hidden = true;
      put(preview, );
    }

    async function planSync(objects) {
      const body = objects ? { dryRun: true, objects } : { dryRun: true };
      showPreview(el("p", { text: "Dry run: asking what a sync would change…" }));
      try {
        const report = await api(`${path}/sync`, { method: "POST", body });
        const changes = report.changes || [];
        showPreview(
          el("h2", { text: objects ? `Sync ${objects.join(", ")}` : `Sync ${name}` }),
          report.error ? el("p", { class: "bad", text: report.error }) : null,
          changes.length
            ? el("ul", { id: "planned" }, ...changes.map((c) => el("li", { text: `${c.action} ${c.object}${c.reason ? ` (${c.reason})` : ""}` })))
            : el("p", { id: "planned", text: "Nothing would change." }),
          el("button", {
            type: "button",
            id: "confirm-sync",
            text: "Sync now",
            onclick: async () => {
              try {
                const done = await api(`${path}/sync`, { method: "POST", body: objects ? { objects } : {} });
                showPreview(el("p", { id: "sync-result", class: done.error ? "bad" : "ok", text: done.error || `Synced: ${done.summary}` }));
                reloadSoon();
              } catch (error) {
                fail(error);
              }
            },
          }),
          el("button", { type: "button", text: "Cancel", onclick: closePreview })
        );
      } catch (error) {
        closePreview();
        fail(error);
      }
    }

    async function suspend() {
      try {
        await api(`${path}/suspend`, { method: "POST", body: { reason: "suspended from the dashboard" } });
        reloadSoon();
      } catch (error) {
        fail(error);
      }
    }

    async function resume() {
      try {
        await api(`${path}/resume`, { method: "POST" });
        reloadSoon();
      } catch (error) {
        fail(error);
      }
    }

    function planRollback(attempt) {
      const revert = el("input", { type: "checkbox", id: "rollback-revert" });
      const subject = attempt.commit ? ` (“${attempt.commit.subject}” by ${attempt.commit.author})` : "";
      showPreview(
        el("h2", { text: `Roll ${name} back to ${shortRevision(attempt.revision)}` }),
        el("p", { text: `The App is applied at ${attempt.revision}${subject} now.` }),
        el("p", { text: "Pin (the default): trueup applies that revision and stays there, whatever Git says, until the App is resumed. Git is not changed." }),
        el("label", {}, revert, " Revert instead: commit a revert of the App's files to Git (other Apps reading the same files change too)."),
        el("button", {
          type: "button",
          id: "confirm-rollback",
          text: "Roll back",
          onclick: async () => {
            try {
              const body = { revision: attempt.revision, revert: revert.checked, yes: revert.checked };
              await api(`${path}/rollback`, { method: "POST", body });
              showPreview(el("p", { id: "rollback-result", class: "ok", text: `Rolled back to ${shortRevision(attempt.revision)}.` }));
              reloadSoon();
            } catch (error) {
              fail(error);
            }
          },
        }),
        el("button", { type: "button", text: "Cancel", onclick: closePreview })
      );
    }

    let reloading = false;
    function reloadSoon() {
      if (reloading) return;
      reloading = true;
      setTimeout(() => {
        reloading = false;
        loadDetail()
          .then(() => Promise.all([loadHistory(), loadTree()]))
          .catch(fail);
      }, 300);
    }

    loadDetail()
      .then(() => Promise.all([loadTree(), loadHistory(), loadEvents(), loadDiff()]))
      .catch(fail);
    live(
      `/api/events?${new URLSearchParams({ app: name })}`,
      (_kind, text) => {
        let event;
        try {
          event = JSON.parse(text);
        } catch {
          return;
        }
        drawEvent(event, true);
        reloadSoon();
        if (String(event.reason).includes("drift")) loadDiff().catch(fail);
      },
      () => loadEvents().catch(fail)
    );
  }

  document.addEventListener("DOMContentLoaded", () => {
    const main = document.getElementById("main");
    if (PAGE === "overview") overview(main);
    else if (PAGE === "app") appPage(main);
  });
})();
