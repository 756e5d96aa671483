// The catalog browser: filters, table, chart and detail view over the catalog
// that index.html embeds as JSON. Hand-written without libraries, so the page
// works opened from a local file with nothing fetched.
//
// Filtering and ordering follow llm_catalog.query.select() predicate by
// predicate, and costs follow llm_catalog.pricing.estimate_cost for a plain
// request: prices arrive as whole numbers of 10^-price_places dollars per
// million tokens and are summed as BigInt, so a cost on the page is the exact
// Decimal the library computes and a cost ceiling compares exactly.
//
// Which rates bill a model at the moment, service tier and region picked was
// worked out when the page was built, by llm_catalog.query.rates.rates_at: for
// each run of days one price entry holds, the rates outside every time window
// and inside each window, by tier and region. The page only finds the run that
// holds the day, the window that holds the minute (window_holds, ported), and
// the rates for the tier and region; none there is unpriced.
//
// Every text from the catalog reaches the page through textContent or an
// attribute, never as markup.
"use strict";

(() => {
  const DATA = JSON.parse(document.getElementById("catalog-data").textContent);
  const CAPS = DATA.capabilities;
  const DEFAULTS = DATA.defaults;
  const PRICE_PLACES = DATA.price_places;
  const COST_PLACES = PRICE_PLACES + 6; // a cost is tokens * price per million
  const MODELS = DATA.models; // in id order, as the catalog iterates
  const BY_ID = new Map(MODELS.map((m) => [m.id, m]));
  const PROVIDERS = new Map(DATA.providers.map((p) => [p.id, p]));
  const SHARED = DATA.shared;
  const SVG = "http://www.w3.org/2000/svg";

  const TERMS = DATA.terms; // the prices of a rate, shared by every model and moment billed alike
  const TIERS = DATA.service_tiers;
  const REGIONS = DATA.regions;
  const [FIRST_DAY, LAST_DAY] = DATA.horizon;

  const big = (text) => (text === null ? null : BigInt(text));
  for (const c of TERMS) {
    c.input = big(c.input);
    c.output = big(c.output);
    c.request = big(c.request);
    c.tiers = c.tiers.map(([above, input, output]) => [BigInt(above), big(input), big(output)]);
    c.unpriced_above = c.unpriced_above === undefined ? null : BigInt(c.unpriced_above);
  }

  // --- exact decimals -------------------------------------------------------

  const pow10 = (n) => 10n ** BigInt(n);

  // "12.5" -> {m: 125n, e: -1}; null when the text is not a plain decimal.
  function parseDecimal(text) {
    const match = /^(\d*)(?:\.(\d*))?$/.exec(text);
    if (!match || (match[1] === "" && !match[2])) return null;
    const fraction = match[2] || "";
    return { m: BigInt((match[1] || "0") + fraction), e: -fraction.length };
  }

  // Compares a * 10^ea with b * 10^eb.
  function compareScaled(a, ea, b, eb) {
    const low = Math.min(ea, eb);
    const x = a * pow10(ea - low);
    const y = b * pow10(eb - low);
    return x < y ? -1 : x > y ? 1 : 0;
  }

  // A token count as the command line reads it: 128000, 128k, 1m, 1.5M, 200_000, 200,000.
  function parseTokens(text) {
    const cleaned = text.trim().toLowerCase().replace(/[_,]/g, "");
    const scale = { k: 3, m: 6 }[cleaned.slice(-1)] || 0;
    const value = parseDecimal(scale ? cleaned.slice(0, -1) : cleaned);
    if (!value) return null;
    const exponent = value.e + scale;
    if (exponent >= 0) return value.m * pow10(exponent);
    const divisor = pow10(-exponent);
    return value.m % divisor === 0n ? value.m / divisor : null;
  }

  function parseMoney(text) {
    return parseDecimal(text.trim().replace(/^\$/, ""));
  }

  // Like llm_catalog.pricing.format_usd: every digit, at least cents, thousands grouped.
  function formatUsd(units, places) {
    if (units === null) return "unpriced";
    const sign = units < 0n ? "-" : "";
    const digits = (units < 0n ? -units : units).toString().padStart(places + 1, "0");
    const whole = digits.slice(0, digits.length - places);
    const fraction = digits.slice(digits.length - places).replace(/0+$/, "").padEnd(2, "0");
    return `${sign}$${BigInt(whole).toLocaleString("en-US")}.${fraction}`;
  }

  const formatCost = (units) => formatUsd(units, COST_PLACES);
  const formatPrice = (units) => (units === null ? "–" : formatUsd(units, PRICE_PLACES));

  // Like llm_catalog.render.format_tokens: 128k, 1M, 1.05M, 8,191.
  function formatTokens(count) {
    if (count === null || count === undefined) return "–";
    for (const [size, suffix] of [[1000000, "M"], [1000, "k"]]) {
      if (count >= size && (count * 100) % size === 0) {
        return (count / size).toFixed(2).replace(/\.?0+$/, "") + suffix;
      }
    }
    return count.toLocaleString("en-US");
  }

  // --- the rates: what llm_catalog.query.rates.rates_at chose ---------------

  // A moment as typed, UTC: "2027-01-01 00:30", "2027-01-01T00:30", or a day alone
  // ("2027-01-01"), which no time window applies to, as in select(at=date).
  // {day: "YYYY-MM-DD", minute: of the day or null, weekday: 0 for Monday, text: as select() reads it}.
  function parseMoment(text) {
    const match = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?$/.exec(text.trim());
    if (!match) return null;
    const [, year, month, date, hours, minutes] = match;
    const day = new Date(Date.UTC(Number(year), Number(month) - 1, Number(date)));
    if (day.getUTCFullYear() !== Number(year) || day.getUTCMonth() !== Number(month) - 1 || day.getUTCDate() !== Number(date)) return null;
    const iso = `${year}-${month}-${date}`;
    const when = { day: iso, minute: null, weekday: (day.getUTCDay() + 6) % 7, text: iso };
    if (hours !== undefined) {
      if (Number(hours) > 23 || Number(minutes) > 59) return null;
      when.minute = Number(hours) * 60 + Number(minutes);
      when.text = `${iso}T${hours}:${minutes}`;
    }
    return when;
  }

  const BUILT = parseMoment(DATA.priced_at); // the moment the page was built, its default

  const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

  // llm_catalog.data.clock.minute_of_day: the minute of the day "HH:MM" names.
  function minuteOfDay(clockTime) {
    const [hours, minutes] = clockTime.split(":");
    return Number(hours) * 60 + Number(minutes);
  }

  // llm_catalog.data.clock.window_holds, line by line: whether a daily window from
  // start to end (end not included) holds minute of a day whose weekday is given (0
  // for Monday); the part after midnight belongs to the day before, the day it opened.
  function windowHolds(start, end, days, weekday, minute) {
    const first = minuteOfDay(start);
    const last = minuteOfDay(end);
    let opened;
    if (first < last) opened = first <= minute && minute < last ? weekday : null;
    else if (minute >= first) opened = weekday;
    else if (minute < last) opened = (weekday + 6) % 7;
    else opened = null;
    return opened !== null && (!days.length || days.includes(WEEKDAYS[opened]));
  }

  // The key the page was built with for a tier and a region (null: anywhere).
  const rateKey = (tier, region) => (region === null ? tier : `${tier}@${region}`);

  // The run of days (m.cost: [first day, windows, slots], in date order) that holds a day.
  function runAt(m, day) {
    let found = null;
    for (const run of m.cost || []) {
      if (run[0] > day) break;
      found = run;
    }
    return found;
  }

  // The rates that bill m at a moment for a rate key: {terms, names}, or null when unpriced.
  function rateOf(m, when, key) {
    const run = runAt(m, when.day);
    if (!run) return null;
    let slot = 0; // outside every window, or a day alone
    if (when.minute !== null && run[1] !== null) {
      // The first window that holds, as llm_catalog.query.rates.window_at finds it.
      const index = SHARED[run[1]].findIndex(([start, end, days]) => windowHolds(start, end, days, when.weekday, when.minute));
      if (index >= 0) slot = index + 1;
    }
    const rates = run[2][slot];
    const found = rates ? rates[key] : undefined;
    if (!found) return null;
    return { terms: TERMS[found[0]], names: found.length > 1 ? SHARED[found[1]] : [] };
  }

  // The first day after `day` that m's prices change on, within the horizon; null when none.
  function nextChange(m, day) {
    for (const run of m.cost || []) if (run[0] > day) return run[0];
    return null;
  }

  // --- cost: llm_catalog.pricing.estimate_cost for a plain request ----------

  // The cost in units of 10^-COST_PLACES dollars at a rate's terms, or null when a
  // needed price is unknown.
  function costOf(c, inputTokens, outputTokens) {
    if (!c) return null;
    // A service tier has no long-context prices: above the first threshold it is unpriced.
    if (c.unpriced_above !== null && inputTokens > c.unpriced_above) return null;
    const reached = c.tiers.filter((tier) => inputTokens > tier[0]);
    let bands; // [first input token, input price, output price]
    if (!reached.length) bands = [[0n, c.input, c.output]];
    else if (c.billing === "whole") {
      const top = reached[reached.length - 1];
      bands = [[0n, top[1], top[2]]];
    } else bands = [[0n, c.input, c.output], ...reached];
    let total = 0n;
    for (let i = 0; i < bands.length; i++) {
      const start = bands[i][0];
      const end = i + 1 < bands.length ? bands[i + 1][0] : inputTokens;
      if (end <= start) continue;
      if (bands[i][1] === null) return null;
      total += (end - start) * bands[i][1];
    }
    if (outputTokens > 0n) {
      // Output is billed at the prices of the highest band the prompt reached.
      const price = bands[bands.length - 1][2];
      if (price === null) return null;
      total += outputTokens * price;
    }
    // A request fee, held per million requests so it adds to the token sums.
    if (c.request !== null) total += c.request;
    return total;
  }

  // --- state: the filters as typed, mirrored in the URL's hash --------------

  const FIELDS = [
    "q", "input_tokens", "output_tokens", "max_cost", "min_context", "min_output",
    "max_input_price", "max_output_price", "released_after", "at",
  ];
  const FLAGS = ["vision", ...CAPS];
  const SORTS = {
    cost: { label: "cost", desc: false, value: (m, row) => row.cost },
    context: { label: "context", desc: true, value: (m) => m.context },
    // select() orders an unknown output like 0: last, after every real limit.
    output: { label: "output", desc: true, value: (m) => m.output },
    release_date: { label: "release date", desc: true, value: (m) => m.released },
    id: { label: "id", desc: false, value: (m) => m.id },
    provider: { label: "provider", desc: false, page: true, value: (m) => m.provider },
    input_price: { label: "input price", desc: false, page: true, value: (m, row) => (row.rate ? row.rate.terms.input : null) },
    output_price: { label: "output price", desc: false, page: true, value: (m, row) => (row.rate ? row.rate.terms.output : null) },
  };

  function emptyState() {
    const state = { mode: DEFAULTS.mode, status: [...DEFAULTS.status], provider: [], service_tier: DEFAULTS.service_tier, region: null, order_by: DEFAULTS.order_by, reverse: false, model: null };
    for (const name of FIELDS) state[name] = "";
    for (const name of FLAGS) state[name] = null;
    return state;
  }

  function stateFromHash() {
    const state = emptyState();
    const params = new URLSearchParams(location.hash.replace(/^#/, ""));
    for (const name of FIELDS) if (params.has(name)) state[name] = params.get(name);
    for (const name of FLAGS) {
      const value = params.get(name);
      if (value === "true" || value === "false") state[name] = value === "true";
    }
    if (params.has("mode")) state.mode = params.get("mode") === "any" ? null : params.get("mode");
    if (params.has("status")) state.status = params.get("status").split(",").filter(Boolean);
    if (params.has("provider")) state.provider = params.get("provider").split(",").filter(Boolean);
    // A tier or region this page does not know is dropped, as an unknown order is.
    if (TIERS.includes(params.get("service_tier"))) state.service_tier = params.get("service_tier");
    if (REGIONS.includes(params.get("region"))) state.region = params.get("region");
    if (SORTS[params.get("order_by")]) state.order_by = params.get("order_by");
    state.reverse = params.get("reverse") === "1";
    state.model = BY_ID.has(params.get("model")) ? params.get("model") : null;
    return state;
  }

  function hashOf(state) {
    const params = new URLSearchParams();
    for (const name of FIELDS) if (state[name] !== "") params.set(name, state[name]);
    for (const name of FLAGS) if (state[name] !== null) params.set(name, String(state[name]));
    if (state.mode !== DEFAULTS.mode) params.set("mode", state.mode === null ? "any" : state.mode);
    if (state.status.join(",") !== DEFAULTS.status.join(",")) params.set("status", state.status.join(","));
    if (state.provider.length) params.set("provider", state.provider.join(","));
    if (state.service_tier !== DEFAULTS.service_tier) params.set("service_tier", state.service_tier);
    if (state.region !== null) params.set("region", state.region);
    if (state.order_by !== DEFAULTS.order_by) params.set("order_by", state.order_by);
    if (state.reverse) params.set("reverse", "1");
    if (state.model) params.set("model", state.model);
    return params.toString();
  }

  let state = stateFromHash();
  let shownHash = location.hash.replace(/^#/, "");

  function saveHash() {
    const hash = hashOf(state);
    if (hash === shownHash) return;
    shownHash = hash;
    const url = location.href.replace(/#.*$/, "") + (hash ? "#" + hash : "");
    try {
      history.replaceState(null, "", url);
    } catch {
      location.replace(url); // some browsers refuse replaceState on file: URLs
    }
  }

  // --- the query: the state read as select() keywords ------------------------

  const LABELS = {
    input_tokens: "Input tokens", output_tokens: "Output tokens", max_cost: "Max cost",
    min_context: "Min context", min_output: "Min output", max_input_price: "Max input $/M",
    max_output_price: "Max output $/M", released_after: "Released after", at: "UTC time",
  };

  function readQuery() {
    const problems = [];
    const invalid = new Set();
    const fail = (name, message) => {
      problems.push(`${LABELS[name]}: ${message}`);
      invalid.add(name);
      return null;
    };
    const tokens = (name, positive) => {
      const text = state[name].trim();
      if (!text) return null;
      const value = parseTokens(text);
      if (value === null) return fail(name, `'${text}' is not a whole token count; write 128000, 128k or 1m`);
      if (positive && value < 1n) return fail(name, "must be at least 1");
      return value;
    };
    const money = (name) => {
      const text = state[name].trim();
      if (!text) return null;
      return parseMoney(text) || fail(name, `'${text}' is not an amount of US dollars`);
    };
    const query = {
      mode: state.mode,
      status: new Set(state.status),
      provider: new Set(state.provider),
      flags: FLAGS.filter((name) => state[name] !== null).map((name) => [name, state[name]]),
      min_context: tokens("min_context", true),
      min_output: tokens("min_output", true),
      input_tokens: tokens("input_tokens", false),
      output_tokens: tokens("output_tokens", false),
      max_cost: money("max_cost"),
      max_input_price: money("max_input_price"),
      max_output_price: money("max_output_price"),
      released_after: null,
      search: state.q.trim().toLowerCase(),
    };
    const released = state.released_after.trim();
    if (released) {
      if (/^\d{4}-\d{2}-\d{2}$/.test(released) && !Number.isNaN(Date.parse(released))) query.released_after = released;
      else fail("released_after", `'${released}' is not a date; write YYYY-MM-DD`);
    }
    // The moment: null when not given (or not good), priced at BUILT, when the page was built.
    query.at = null;
    const at = state.at.trim();
    if (at) {
      const when = parseMoment(at);
      if (!when) fail("at", `'${at}' is not a date and time; write YYYY-MM-DD HH:MM (UTC)`);
      else if (when.day < FIRST_DAY || when.day > LAST_DAY) fail("at", `${at} is outside the prices this page holds: pick a moment from ${FIRST_DAY} to ${LAST_DAY}`);
      else query.at = when;
    }
    query.when = query.at || BUILT;
    query.service_tier = state.service_tier;
    query.region = state.region;
    query.region_number = state.region === null ? -1 : REGIONS.indexOf(state.region);
    query.key = rateKey(state.service_tier, state.region);
    query.given_input = query.input_tokens !== null;
    query.given_output = query.output_tokens !== null;
    if (query.input_tokens === null) query.input_tokens = BigInt(DEFAULTS.input_tokens);
    if (query.output_tokens === null) query.output_tokens = BigInt(DEFAULTS.output_tokens);
    return { query, problems, invalid };
  }

  function flagLabel(name) {
    const words = name.replace(/_/g, " ").replace(/\bjson\b/, "JSON");
    return words[0].toUpperCase() + words.slice(1);
  }

  function capability(m, name) {
    return name === "vision" ? m.vision : Boolean(m.caps & (1 << CAPS.indexOf(name)));
  }

  // The predicates of llm_catalog.query._first_failure, in its order.
  function passes(m, q, { rate, cost }) {
    if (q.mode !== null && m.mode !== q.mode) return false;
    if (!q.status.has(m.status)) return false;
    if (q.provider.size && !q.provider.has(m.provider)) return false;
    // m.regions: where select(region=...) found the model sold, when the page was built.
    if (q.region !== null && !(m.regions || []).includes(q.region_number)) return false;
    for (const [name, wanted] of q.flags) if (capability(m, name) !== wanted) return false;
    if (q.min_context !== null && m.context < q.min_context) return false;
    if (q.min_output !== null && (m.output === null || m.output < q.min_output)) return false;
    if ((m.input_limit || m.context) < q.input_tokens) return false;
    if (q.released_after !== null && (m.released === null || m.released <= q.released_after)) return false;
    for (const [limit, price] of [[q.max_input_price, rate && rate.terms.input], [q.max_output_price, rate && rate.terms.output]]) {
      if (limit !== null && (price === null || compareScaled(price, -PRICE_PLACES, limit.m, limit.e) > 0)) return false;
    }
    if (q.max_cost !== null && (cost === null || compareScaled(cost, -COST_PLACES, q.max_cost.m, q.max_cost.e) > 0)) return false;
    if (q.search && !m.id.includes(q.search) && !m.name.toLowerCase().includes(q.search)) return false;
    return true;
  }

  // Unknown values last in either direction; ties by id, as select() breaks them.
  function sortRows(rows, order, reverse) {
    const sort = SORTS[order];
    const sign = (sort.desc ? -1 : 1) * (reverse ? -1 : 1);
    for (const row of rows) row.key = sort.value(row.model, row);
    rows.sort((a, b) => {
      const x = a.key;
      const y = b.key;
      if (x !== y) {
        if (x === null) return 1;
        if (y === null) return -1;
        return (x < y ? -1 : 1) * sign;
      }
      return a.model.id < b.model.id ? -1 : a.model.id > b.model.id ? 1 : 0;
    });
    return rows;
  }

  function evaluate() {
    const { query, problems, invalid } = readQuery();
    const all = MODELS.map((model) => {
      const rate = rateOf(model, query.when, query.key);
      return { model, rate, cost: rate ? costOf(rate.terms, query.input_tokens, query.output_tokens) : null };
    });
    const rows = sortRows(all.filter((row) => passes(row.model, query, row)), state.order_by, state.reverse);
    return { query, problems, invalid, all, rows };
  }

  // --- the equivalent select() call -----------------------------------------

  function equivalents(query) {
    const py = [];
    const cli = [];
    for (const [name, wanted] of query.flags) {
      py.push(`${name}=${wanted ? "True" : "False"}`);
      cli.push(`--${wanted ? "" : "no-"}${name.replace(/_/g, "-")}`);
    }
    if (query.mode !== DEFAULTS.mode) {
      py.push(`mode=${query.mode === null ? "None" : JSON.stringify(query.mode)}`);
      cli.push(`--mode ${query.mode === null ? "any" : query.mode}`);
    }
    if ([...query.status].join(",") !== DEFAULTS.status.join(",")) {
      py.push(`status=${JSON.stringify([...query.status])}`);
      for (const status of query.status) cli.push(`--status ${status}`);
    }
    if (query.provider.size) {
      py.push(`provider=${JSON.stringify([...query.provider])}`);
      for (const provider of query.provider) cli.push(`--provider ${provider}`);
    }
    for (const name of ["min_context", "min_output"]) {
      if (query[name] !== null) {
        py.push(`${name}=${query[name]}`);
        cli.push(`--${name.replace(/_/g, "-")} ${query[name]}`);
      }
    }
    if (query.released_after !== null) {
      py.push(`released_after="${query.released_after}"`);
      cli.push(`--released-after ${query.released_after}`);
    }
    for (const name of ["max_input_price", "max_output_price", "max_cost"]) {
      const value = query[name];
      if (value !== null) {
        const text = decimalText(value);
        py.push(`${name}="${text}"`);
        cli.push(`--${name.replace(/_/g, "-")} ${text}`);
      }
    }
    if (query.given_input) {
      py.push(`input_tokens=${query.input_tokens}`);
      cli.push(`--input-tokens ${query.input_tokens}`);
    }
    if (query.given_output) {
      py.push(`output_tokens=${query.output_tokens}`);
      cli.push(`--output-tokens ${query.output_tokens}`);
    }
    if (query.at !== null) {
      py.push(`at="${query.at.text}"`);
      cli.push(`--at ${query.at.text}`);
    }
    if (query.service_tier !== DEFAULTS.service_tier) {
      py.push(`service_tier="${query.service_tier}"`);
      cli.push(`--service-tier ${query.service_tier}`);
    }
    if (query.region !== null) {
      py.push(`region="${query.region}"`);
      cli.push(`--region ${query.region}`);
    }
    let note = "";
    if (!SORTS[state.order_by].page && !state.reverse) {
      if (state.order_by !== DEFAULTS.order_by) {
        py.push(`order_by="${state.order_by}"`);
        cli.push(`--order-by ${state.order_by}`);
      }
    } else note = `  # the page sorts by ${SORTS[state.order_by].label}${state.reverse ? ", reversed" : ""}`;
    if (query.search) note += `  # the page also searches for "${query.search}"`;
    return [`select(${py.join(", ")})${note}`, ["llm-catalog select", ...cli].join(" ")];
  }

  function decimalText(value) {
    const digits = value.m.toString().padStart(-value.e + 1, "0");
    return value.e < 0 ? `${digits.slice(0, value.e)}.${digits.slice(value.e)}` : digits;
  }

  // --- building elements -----------------------------------------------------

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children) if (child !== null && child !== undefined) node.append(child);
    return node;
  }

  function svg(tag, attributes) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value);
    }
    return node;
  }

  // Distinct on white and in greyscale print; providers beyond twenty share colours.
  const PALETTE = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
    "#7f7f7f", "#bcbd22", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd",
    "#e6550d", "#31a354", "#756bb1", "#636363",
  ];
  const COLOURS = new Map(DATA.providers.map((p, i) => [p.id, PALETTE[i % PALETTE.length]]));

  const form = document.getElementById("filters");

  function buildControls() {
    const capsBox = document.getElementById("capabilities");
    for (const name of FLAGS) {
      const select = el("select", { name, "data-flag": name });
      select.append(el("option", { value: "", text: "any" }), el("option", { value: "true", text: "required" }), el("option", { value: "false", text: "excluded" }));
      capsBox.append(el("label", { class: "field flag" }, el("span", { text: flagLabel(name) }), select));
    }
    const statuses = document.getElementById("statuses");
    for (const status of DATA.statuses) {
      statuses.append(el("label", { class: "check" }, el("input", { type: "checkbox", name: "status", value: status }), ` ${status}`));
    }
    const mode = document.getElementById("mode");
    mode.append(el("option", { value: "any", text: "any" }));
    for (const name of DATA.modes) mode.append(el("option", { value: name, text: name.replace(/_/g, " ") }));
    const order = document.getElementById("order_by");
    const shared = el("optgroup", { label: "as select() orders" });
    const page = el("optgroup", { label: "on the page only" });
    for (const [name, sort] of Object.entries(SORTS)) (sort.page ? page : shared).append(el("option", { value: name, text: sort.label }));
    order.append(shared, page);
    const tiers = document.getElementById("service_tier");
    for (const name of TIERS) tiers.append(el("option", { value: name, text: name }));
    const regions = document.getElementById("region");
    regions.append(el("option", { value: "", text: "anywhere: base prices" }));
    for (const name of REGIONS) regions.append(el("option", { value: name, text: name }));
    form.elements.at.placeholder = DATA.priced_at;
    document.getElementById("at-help").textContent = `From ${FIRST_DAY} to ${LAST_DAY}; empty: ${DATA.priced_at}, when this page was built.`;
    const counts = new Map();
    for (const m of MODELS) counts.set(m.provider, (counts.get(m.provider) || 0) + 1);
    const providers = document.getElementById("providers");
    for (const p of DATA.providers) {
      const swatch = el("span", { class: "swatch", "aria-hidden": "true" });
      swatch.style.backgroundColor = COLOURS.get(p.id);
      providers.append(el("label", { class: "check" }, el("input", { type: "checkbox", name: "provider", value: p.id }), swatch, ` ${p.name} `, el("span", { class: "count", text: `(${counts.get(p.id) || 0})` })));
    }
  }

  function writeForm() {
    for (const name of FIELDS) form.elements[name].value = state[name];
    for (const name of FLAGS) form.elements[name].value = state[name] === null ? "" : String(state[name]);
    form.elements.mode.value = state.mode === null ? "any" : state.mode;
    form.elements.order_by.value = state.order_by;
    form.elements.service_tier.value = state.service_tier;
    form.elements.region.value = state.region === null ? "" : state.region;
    for (const box of form.querySelectorAll("input[name=status]")) box.checked = state.status.includes(box.value);
    for (const box of form.querySelectorAll("input[name=provider]")) box.checked = state.provider.includes(box.value);
  }

  function readForm() {
    for (const name of FIELDS) state[name] = form.elements[name].value;
    for (const name of FLAGS) {
      const value = form.elements[name].value;
      state[name] = value === "" ? null : value === "true";
    }
    state.mode = form.elements.mode.value === "any" ? null : form.elements.mode.value;
    state.service_tier = form.elements.service_tier.value;
    state.region = form.elements.region.value === "" ? null : form.elements.region.value;
    if (state.order_by !== form.elements.order_by.value) {
      state.order_by = form.elements.order_by.value;
      state.reverse = false;
    }
    state.status = [...form.querySelectorAll("input[name=status]:checked")].map((box) => box.value);
    state.provider = [...form.querySelectorAll("input[name=provider]:checked")].map((box) => box.value);
  }

  // --- the table ------------------------------------------------------------

  const COLUMNS = [
    { label: "Model", sort: "id" },
    { label: "Provider", sort: "provider" },
    { label: "Context", sort: "context", number: true },
    { label: "Max output", sort: "output", number: true },
    { label: "Input $/M", sort: "input_price", number: true },
    { label: "Output $/M", sort: "output_price", number: true },
    { label: "Est. cost", sort: "cost", number: true },
    { label: "Capabilities" },
    { label: "Status" },
    { label: "Released", sort: "release_date" },
  ];
  const TAGS = [
    ["vision", "vision"], ["function_calling", "tools"], ["structured_output", "schema"],
    ["reasoning", "reasoning"], ["prompt_caching", "cache"],
  ];

  function renderHeadings() {
    const row = document.getElementById("headings");
    row.replaceChildren();
    for (const column of COLUMNS) {
      const th = el("th", { scope: "col", class: column.number ? "number" : null });
      if (column.sort) {
        const active = state.order_by === column.sort;
        if (active) th.setAttribute("aria-sort", (SORTS[column.sort].desc !== state.reverse) ? "descending" : "ascending");
        const arrow = active ? ((SORTS[column.sort].desc !== state.reverse) ? " ▼" : " ▲") : "";
        th.append(el("button", { type: "button", class: "sort", "data-sort": column.sort, title: `Sort by ${SORTS[column.sort].label}`, text: column.label + arrow }));
      } else th.textContent = column.label;
      row.append(th);
    }
  }

  // Rows are added a page at a time (more as the list is scrolled, or all at
  // once on request): laying out a table of the whole catalog on every change
  // of a filter would cost far more than the filtering does.
  const PAGE = 100;
  const body = document.getElementById("rows");
  const more = document.getElementById("more");
  let tableRows = [];
  let tableWhen = null; // the moment the rows are priced at
  let shown = 0;

  function rowElement({ model: m, rate, cost }, when) {
    const tags = el("td", { class: "tags" });
    for (const [name, tag] of TAGS) if (capability(m, name)) tags.append(el("span", { class: "tag", title: name.replace(/_/g, " "), text: tag }));
    const change = nextChange(m, when.day);
    return el("tr", { "data-id": m.id, class: state.model === m.id ? "current" : null },
      el("td", { class: "model" }, el("button", { type: "button", class: "open", "data-id": m.id, text: m.name }), el("span", { class: "id", text: m.id }),
        change ? el("span", { class: "tag upcoming", title: `Its prices change on ${change} (UTC): pick a moment from then to cost it at the new prices`, text: `new prices ${change}` }) : null),
      el("td", { text: m.provider }),
      el("td", { class: "number", text: formatTokens(m.context) }),
      el("td", { class: "number", text: formatTokens(m.output) }),
      el("td", { class: "number", text: formatPrice(rate ? rate.terms.input : null) }),
      el("td", { class: "number", text: formatPrice(rate ? rate.terms.output : null) }),
      // The names of what chose the rates, as Rates.names gives them ("flex tier").
      el("td", { class: "number" }, el("span", { class: "cost", text: formatCost(cost) }), rate && rate.names.length ? el("span", { class: "rate", text: rate.names.join("; ") }) : null),
      tags,
      el("td", { class: `status ${m.status}`, text: m.status }),
      el("td", { class: "date", text: m.released || "–" }));
  }

  function showRows(count) {
    const fragment = document.createDocumentFragment();
    const end = Math.min(tableRows.length, shown + count);
    for (let i = shown; i < end; i++) fragment.append(rowElement(tableRows[i], tableWhen));
    body.append(fragment);
    shown = end;
    const rest = tableRows.length - shown;
    more.hidden = rest === 0;
    document.getElementById("more-count").textContent = `${shown.toLocaleString("en-US")} of ${tableRows.length.toLocaleString("en-US")} shown.`;
    document.getElementById("show-more").textContent = `Show ${Math.min(PAGE, rest)} more`;
  }

  function renderRows(rows, when) {
    tableRows = rows;
    tableWhen = when;
    shown = 0;
    body.replaceChildren();
    showRows(PAGE);
    document.getElementById("empty").hidden = rows.length > 0;
  }

  // --- the chart: cost of the request against context window, both log scales
  //
  // Drawn as one SVG path per provider rather than an element per point, so a
  // redraw of the whole catalog stays a few milliseconds; hovering and clicking
  // find the nearest point themselves. The drawing has a fixed size, scaled by
  // CSS, so drawing it never waits for the page's layout.

  const CHART = { width: 900, height: 320, left: 72, right: 16, top: 12, bottom: 60 };
  let points = []; // [x, y, model id], matching models only

  function circlePath(x, y, r) {
    return `M${(x - r).toFixed(1)} ${y.toFixed(1)}a${r} ${r} 0 1 0 ${2 * r} 0a${r} ${r} 0 1 0 ${-2 * r} 0`;
  }

  function renderChart(result) {
    const { width, height, left, right, top, bottom } = CHART;
    const plotted = result.all.filter((row) => row.cost !== null);
    const priced = plotted.filter((row) => row.cost > 0n);
    const free = plotted.length - priced.length;
    const scale = 10 ** COST_PLACES;
    const dollars = (units) => Number(units) / scale;
    const bounds = (values) => [Math.floor(Math.log10(Math.min(...values))), Math.ceil(Math.log10(Math.max(...values)))];
    const [x0, x1] = plotted.length ? bounds(plotted.map((row) => row.model.context)) : [3, 7];
    const [y0, y1] = priced.length ? bounds(priced.map((row) => dollars(row.cost))) : [-6, 0];
    const freeY = height - bottom + 22;
    const x = (value) => left + ((Math.log10(value) - x0) / Math.max(1, x1 - x0)) * (width - left - right);
    const y = (value) => (value <= 0 ? freeY : height - bottom - ((Math.log10(value) - y0) / Math.max(1, y1 - y0)) * (height - top - bottom));
    const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", class: "plot" });
    chart.setAttribute("aria-label", `Estimated cost of the request against context window for ${plotted.length} priced models; the ${result.rows.length} matching models are coloured by provider.`);
    const axes = svg("g", { class: "axes" });
    for (let e = x0; e <= x1; e++) {
      const at = x(10 ** e);
      axes.append(svg("line", { x1: at, x2: at, y1: top, y2: height - bottom, class: "grid" }));
      axes.append(svg("text", { x: at, y: height - bottom + 14, class: "tick", "text-anchor": "middle", text: formatTokens(10 ** e) }));
    }
    for (let e = y0; e <= y1; e++) {
      const at = y(10 ** e);
      axes.append(svg("line", { x1: left, x2: width - right, y1: at, y2: at, class: "grid" }));
      axes.append(svg("text", { x: left - 6, y: at + 4, class: "tick", "text-anchor": "end", text: e >= 0 ? `$${10 ** e}` : `$${(10 ** e).toFixed(-e)}` }));
    }
    if (free) axes.append(svg("text", { x: left - 6, y: freeY + 4, class: "tick", "text-anchor": "end", text: "free" }));
    axes.append(svg("text", { x: left + (width - left - right) / 2, y: height - 6, class: "label", "text-anchor": "middle", text: "context window (tokens, log scale)" }));
    const middle = top + (height - top - bottom) / 2;
    axes.append(svg("text", { x: 14, y: middle, class: "label", "text-anchor": "middle", transform: `rotate(-90 14 ${middle})`, text: "cost of the request (log scale)" }));
    chart.append(axes);
    const matching = new Set(result.rows.map((row) => row.model.id));
    const others = [];
    const byProvider = new Map();
    let current = null;
    points = [];
    for (const row of plotted) {
      const m = row.model;
      const px = x(m.context);
      const py = y(dollars(row.cost));
      if (!matching.has(m.id)) {
        others.push(circlePath(px, py, 2));
        continue;
      }
      points.push([px, py, m.id]);
      if (!byProvider.has(m.provider)) byProvider.set(m.provider, []);
      byProvider.get(m.provider).push(circlePath(px, py, 3.5));
      if (m.id === state.model) current = [px, py, m.provider];
    }
    chart.append(svg("path", { d: others.join(""), class: "other" }));
    for (const [provider, paths] of byProvider) {
      chart.append(svg("path", { d: paths.join(""), fill: COLOURS.get(provider) || "#555", class: "match", "data-provider": provider }));
    }
    if (current) chart.append(svg("circle", { cx: current[0].toFixed(1), cy: current[1].toFixed(1), r: 6.5, fill: COLOURS.get(current[2]) || "#555", class: "current" }));
    document.getElementById("chart").replaceChildren(chart);
    const unpriced = result.all.length - plotted.length;
    document.getElementById("chart-note").textContent =
      `${points.length} matching priced models in colour, the rest of the catalog in grey` +
      (unpriced ? `; ${unpriced} unpriced models are not drawn` : "") +
      `. Request: ${result.query.input_tokens.toLocaleString("en-US")} input and ${result.query.output_tokens.toLocaleString("en-US")} output tokens, at ${momentText(result.query)}.`;
  }

  // The matching model drawn nearest to a mouse event, within a few pixels.
  function pointAt(event) {
    const plot = document.querySelector("#chart svg");
    if (!plot) return null;
    const box = plot.getBoundingClientRect();
    const scale = CHART.width / box.width;
    const px = (event.clientX - box.left) * scale;
    const py = (event.clientY - box.top) * scale;
    let best = null;
    let distance = (8 * scale) ** 2;
    for (const point of points) {
      const d = (point[0] - px) ** 2 + (point[1] - py) ** 2;
      if (d <= distance) {
        distance = d;
        best = point[2];
      }
    }
    return best;
  }

  function renderLegend() {
    const legend = document.getElementById("legend");
    legend.replaceChildren();
    for (const p of DATA.providers) {
      const swatch = el("span", { class: "swatch", "aria-hidden": "true" });
      swatch.style.backgroundColor = COLOURS.get(p.id);
      legend.append(el("li", null, el("button", { type: "button", class: "legend-item", "data-provider": p.id, "aria-pressed": String(state.provider.includes(p.id)) }, swatch, p.name)));
    }
  }

  const tooltip = document.getElementById("tooltip");
  let lastResult = null;

  function showTooltip(event) {
    const id = pointAt(event);
    const m = id && BY_ID.get(id);
    document.getElementById("chart").classList.toggle("pointing", Boolean(m));
    if (!m) {
      tooltip.hidden = true;
      return;
    }
    const row = lastResult.all.find((r) => r.model.id === id);
    tooltip.replaceChildren(el("strong", { text: m.name }), el("br"), m.id, el("br"), `${formatCost(row.cost)} · ${formatTokens(m.context)} context`);
    tooltip.hidden = false;
    tooltip.style.left = `${event.pageX + 12}px`;
    tooltip.style.top = `${event.pageY + 12}px`;
  }

  // --- the detail view --------------------------------------------------------

  function link(text) {
    // Only web addresses become links: a catalog's text never gets to choose a scheme.
    return /^https?:\/\/\S+$/.test(text) ? el("a", { href: text, rel: "noopener noreferrer", text }) : document.createTextNode(text);
  }

  function facts(pairs) {
    const list = el("dl", { class: "facts" });
    for (const [name, value] of pairs) {
      if (value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length)) continue;
      list.append(el("dt", { text: name }), el("dd", null, value instanceof Node ? value : String(value)));
    }
    return list;
  }

  function section(title, ...content) {
    return el("section", { class: "detail-section" }, el("h3", { text: title }), ...content);
  }

  function priceText(value) {
    if (value === undefined || value === null) return "–";
    const parsed = parseDecimal(String(value));
    return parsed ? formatUsd(parsed.m, -parsed.e) : String(value);
  }

  function priceTable(pricing) {
    const kinds = DATA.price_fields.filter((kind) => pricing[kind] !== undefined || (pricing.batch && pricing.batch[kind] !== undefined));
    const table = el("table", { class: "prices" }, el("thead", null, el("tr", null, el("th", { scope: "col", text: "US$ per million tokens" }), el("th", { scope: "col", class: "number", text: "standard" }), pricing.batch ? el("th", { scope: "col", class: "number", text: "batch" }) : null)));
    const body = el("tbody");
    for (const kind of kinds) {
      body.append(el("tr", null, el("th", { scope: "row", text: kind.replace(/_/g, " ") }), el("td", { class: "number", text: priceText(pricing[kind]) }), pricing.batch ? el("td", { class: "number", text: priceText(pricing.batch[kind]) }) : null));
    }
    table.append(body);
    return table;
  }

  // Time windows, service tiers, charges per unit and regions of a price entry.
  function billingParts(entry) {
    const parts = [];
    for (const w of entry.time_windows || []) {
      const { name, start, end, days, ...prices } = w;
      const when = `${start}-${end} UTC${days && days.length ? `, ${days.join(" ")}` : ", every day"}`;
      parts.push(el("h4", { text: `${name} (${when})` }), priceTable(prices));
    }
    for (const [tier, prices] of Object.entries(entry.service_tiers || {})) {
      parts.push(el("h4", { text: `${tier} tier` }), priceTable(prices));
    }
    const units = Object.entries(entry.per_unit || {});
    if (units.length) parts.push(el("h4", { text: "Charges not per token" }), facts(units.map(([unit, price]) => [unit.replace(/_/g, " "), `US$ ${price} each`])));
    for (const [region, prices] of Object.entries(entry.regions || {})) {
      const { multiplier, ...own } = prices;
      parts.push(el("h4", { text: `Region ${region}` }), multiplier !== undefined ? el("p", { text: `the prices in force times ${multiplier}` }) : priceTable(own));
    }
    return parts;
  }

  function objectFacts(object) {
    return facts(Object.entries(object || {}).map(([key, value]) => [key.replace(/_/g, " "), typeof value === "number" ? value.toLocaleString("en-US") : value]));
  }

  function modelButton(id) {
    if (!BY_ID.has(id)) return document.createTextNode(id);
    return el("button", { type: "button", class: "open inline", "data-id": id, text: id });
  }

  // The moment a query prices at, for people: "2026-11-25 12:00 UTC", or "2027-01-01 (a day: no time window)".
  function momentText(query) {
    if (query.at === null) return `${DATA.priced_at} UTC`;
    const { day, minute } = query.at;
    if (minute === null) return `${day} (a day: no time window)`;
    return `${day} ${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")} UTC`;
  }

  function renderDetail(m, query) {
    const record = m.record;
    const provider = PROVIDERS.get(m.provider) || { id: m.provider, name: m.provider };
    const modalities = record.modalities || {};
    const params = record.params !== undefined ? SHARED[record.params] : provider.params || [];
    const pricing = record.pricing;
    const provenance = record.provenance;
    const body = [];
    body.push(facts([
      ["Id", m.id],
      ["Provider", provider.name],
      ["Mode", m.mode],
      ["Status", m.status],
      ["Released", m.released],
      ["Deprecated", record.deprecation_date],
      ["Retirement", record.retirement_date],
      ["Successor", record.successor ? modelButton(record.successor) : null],
      ["Knowledge cutoff", record.knowledge_cutoff],
      ["litellm model", record.litellm_model],
      ["Aliases", (record.aliases || []).join(", ")],
      ["Served in", record.region],
    ]));
    body.push(section("Limits", facts([
      ["Context window", `${m.context.toLocaleString("en-US")} tokens`],
      ["Max output", m.output === null ? "unknown" : `${m.output.toLocaleString("en-US")} tokens`],
      ["Max input", m.input_limit === null ? null : `${m.input_limit.toLocaleString("en-US")} tokens`],
    ])));
    body.push(section("Modalities", facts([
      ["Input", (modalities.input || ["text"]).join(", ")],
      ["Output", (modalities.output || ["text"]).join(", ")],
    ])));
    const capabilityList = el("ul", { class: "capability-list" });
    for (const name of FLAGS) {
      const has = capability(m, name);
      capabilityList.append(el("li", { class: has ? "yes" : "no" }, `${has ? "✓" : "✗"} ${flagLabel(name)}`));
    }
    body.push(section("Capabilities", capabilityList));
    body.push(section("Request parameters", el("p", { text: params.length ? params.join(", ") : "none listed" }), record.params === undefined ? el("p", { class: "help", text: `As ${provider.name} lists them for its models.` }) : null));
    if (pricing) {
      const rate = rateOf(m, query.when, query.key);
      const cost = rate ? costOf(rate.terms, query.input_tokens, query.output_tokens) : null;
      const change = nextChange(m, query.when.day);
      const parts = [
        el("p", { class: "estimate", text: `${formatCost(cost)} for ${query.input_tokens.toLocaleString("en-US")} input and ${query.output_tokens.toLocaleString("en-US")} output tokens` }),
        facts([
          ["Priced at", `${momentText(query)}, ${query.service_tier} tier, ${query.region === null ? "anywhere" : `region ${query.region}`}`],
          ["Rate", rate ? (rate.names.length ? rate.names.join("; ") : "the base prices") : "none: unpriced here (unknown is not free)"],
          ["Prices change", change ? `on ${change}` : null],
        ]),
        priceTable(pricing),
      ];
      for (const tier of pricing.tiers || []) {
        const { above_input_tokens: above, ...prices } = tier;
        parts.push(el("h4", { text: `Prompts above ${above.toLocaleString("en-US")} input tokens (${(pricing.tier_billing || "whole_request") === "marginal" ? "only the tokens above it" : "the whole request"} at these prices)` }), priceTable(prices));
      }
      parts.push(facts([
        ["Effective from", pricing.effective_from],
        ["Price source", pricing.source !== undefined ? link(SHARED[pricing.source]) : null],
      ]));
      parts.push(...billingParts(pricing));
      for (const entry of pricing.scheduled || []) {
        const { effective_from: from, tiers, batch, source, ...prices } = entry;
        parts.push(el("h4", { text: `Announced prices, from ${from}` }), priceTable({ ...prices, batch }), ...billingParts(entry));
      }
      for (const entry of pricing.history || []) {
        const { effective_from: from, tiers, batch, ...prices } = entry;
        parts.push(el("h4", { text: `Earlier prices, from ${from}` }), priceTable({ ...prices, batch }));
        for (const tier of tiers || []) parts.push(el("p", { class: "help", text: `above ${tier.above_input_tokens.toLocaleString("en-US")} input tokens: input ${priceText(tier.input)}, output ${priceText(tier.output)}` }));
      }
      parts.push(el("p", { class: "help", text: `Costs in the table are at the prices in force at ${momentText(query)}${query.at === null ? ", when this page was drawn" : ""}.` }));
      body.push(section("Prices", ...parts));
    } else body.push(section("Prices", el("p", { text: "Unpriced: the catalog does not know this model's prices (unknown is not free)." })));
    const limits = record.rate_limits || provider.rate_limits;
    if (limits) body.push(section(record.rate_limits ? "Rate limits" : `Rate limits (${provider.name}'s)`, objectFacts(limits)));
    const sources = el("ul", { class: "sources" });
    for (const source of SHARED[provenance.sources]) sources.append(el("li", null, link(source)));
    const provenanceParts = [
      facts([["Checked", provenance.checked], ["Record written at", m.where]]),
      el("h4", { text: "Sources" }), sources,
    ];
    if (provenance.notes !== undefined) provenanceParts.push(el("h4", { text: "Notes" }), el("p", { class: "notes", text: SHARED[provenance.notes] }));
    if (provenance.differences && provenance.differences.length) {
      const table = el("table", { class: "differences" }, el("thead", null, el("tr", null, ...["Source", "Field", "Theirs", "Why ours stands"].map((text) => el("th", { scope: "col", text })))));
      const rows = el("tbody");
      for (const d of provenance.differences) rows.append(el("tr", null, el("td", { text: d.source }), el("td", { text: d.field }), el("td", { text: d.theirs === null ? "not listed" : String(d.theirs) }), el("td", { text: d.reason })));
      table.append(rows);
      provenanceParts.push(el("h4", { text: "Reviewed differences from public sources" }), table);
    }
    body.push(section("Provenance", ...provenanceParts));
    const links = [["Documentation", provider.docs_url], ["Pricing page", provider.pricing_url]].filter(([, url]) => url);
    if (links.length) body.push(section(provider.name, facts(links.map(([name, url]) => [name, link(url)]))));
    document.getElementById("detail-title").textContent = m.name;
    document.getElementById("detail-body").replaceChildren(...body);
  }

  const dialog = document.getElementById("detail");

  function syncDetail(query) {
    if (state.model) {
      renderDetail(BY_ID.get(state.model), query);
      if (!dialog.open) dialog.showModal();
    } else if (dialog.open) dialog.close();
  }

  function openDetail(id) {
    if (!BY_ID.has(id)) return;
    state.model = id;
    render();
  }

  // --- putting it together ----------------------------------------------------

  function render() {
    const started = performance.now();
    const result = evaluate();
    lastResult = result;
    for (const element of form.querySelectorAll("[aria-invalid]")) element.removeAttribute("aria-invalid");
    for (const name of result.invalid) form.elements[name].setAttribute("aria-invalid", "true");
    document.getElementById("problems").textContent = result.problems.join(" · ");
    renderHeadings();
    renderRows(result.rows, result.query.when);
    renderChart(result);
    renderLegend();
    const [python, cli] = equivalents(result.query);
    document.getElementById("python-call").textContent = python;
    document.getElementById("cli-call").textContent = cli;
    const providers = new Set(MODELS.map((m) => m.provider)).size;
    document.getElementById("summary").textContent =
      `${result.rows.length.toLocaleString("en-US")} of ${MODELS.length.toLocaleString("en-US")} models match · ` +
      `${providers} providers · ${DATA.files} catalog files · llm-catalog ${DATA.version}`;
    syncDetail(result.query);
    saveHash();
    document.body.dataset.renderMs = (performance.now() - started).toFixed(1);
  }

  buildControls();
  writeForm();
  render();
  // How long after the navigation started the page was drawn, for the tests to report.
  document.body.dataset.readyMs = performance.now().toFixed(0);
  document.body.dataset.ready = "true";

  form.addEventListener("input", () => {
    readForm();
    render();
  });
  form.addEventListener("submit", (event) => event.preventDefault());
  document.getElementById("reset").addEventListener("click", () => {
    state = emptyState();
    writeForm();
    render();
  });
  document.getElementById("headings").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-sort]");
    if (!button) return;
    const sort = button.getAttribute("data-sort");
    if (state.order_by === sort) state.reverse = !state.reverse;
    else {
      state.order_by = sort;
      state.reverse = false;
    }
    writeForm();
    render();
  });
  document.getElementById("show-more").addEventListener("click", () => showRows(PAGE));
  document.getElementById("show-all").addEventListener("click", () => showRows(tableRows.length));
  if ("IntersectionObserver" in window) {
    new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting) && shown < tableRows.length) showRows(PAGE);
    }, { rootMargin: "600px" }).observe(more);
  }
  document.getElementById("rows").addEventListener("click", (event) => {
    const row = event.target.closest("tr[data-id]");
    if (row && !(event.target.closest("a"))) openDetail(row.getAttribute("data-id"));
  });
  document.getElementById("detail-body").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-id]");
    if (button) openDetail(button.getAttribute("data-id"));
  });
  document.getElementById("legend").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-provider]");
    if (!button) return;
    const id = button.getAttribute("data-provider");
    state.provider = state.provider.includes(id) ? state.provider.filter((p) => p !== id) : [...state.provider, id];
    writeForm();
    render();
  });
  const chartBox = document.getElementById("chart");
  chartBox.addEventListener("click", (event) => {
    const id = pointAt(event);
    if (id) openDetail(id);
  });
  chartBox.addEventListener("mousemove", showTooltip);
  chartBox.addEventListener("mouseleave", () => {
    tooltip.hidden = true;
  });
  document.getElementById("detail-close").addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => {
    if (state.model === null) return;
    const id = state.model;
    state.model = null;
    render();
    const button = document.querySelector(`#rows button[data-id="${CSS.escape(id)}"]`);
    if (button) button.focus();
  });
  window.addEventListener("hashchange", () => {
    if (location.hash.replace(/^#/, "") === shownHash) return;
    state = stateFromHash();
    shownHash = location.hash.replace(/^#/, "");
    writeForm();
    render();
  });
  let resizing = 0;
  window.addEventListener("resize", () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => lastResult && renderChart(lastResult), 150);
  });
})();

