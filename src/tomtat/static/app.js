// tomtat web page: paste or drop articles, get a cited summary; browse the stories in the store.
// Plain JavaScript, no libraries, no CDN: the page must work on an offline newsroom network.
// User text is only ever inserted with textContent, never as HTML.
"use strict";

const MIN_ARTICLES = 2;

const $ = (selector, root = document) => root.querySelector(selector);

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

// --- talking to the service ------------------------------------------------------------------------

async function api(path, options = {}) {
  let response;
  try {
    response = await fetch(path, {
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      ...options,
    });
  } catch (error) {
    throw new Error("Không kết nối được tới máy chủ tomtat.");
  }
  let body = null;
  try {
    body = await response.json();
  } catch (error) {
    body = null;
  }
  if (!response.ok) {
    const message = body && body.error ? body.error.message : `HTTP ${response.status}`;
    throw new Error(`Lỗi: ${message}`);
  }
  return body;
}

// --- the article inputs ----------------------------------------------------------------------------

function articleBoxes() {
  return Array.from(document.querySelectorAll("#articles .article"));
}

function renumberArticles() {
  articleBoxes().forEach((box, index) => {
    $("legend", box).textContent = `Bài ${index + 1}`;
    $(".remove-article", box).hidden = articleBoxes().length <= 1;
  });
}

function addArticle(text = "", title = "", source = "") {
  const box = $("#article-template").content.firstElementChild.cloneNode(true);
  $(".article-text", box).value = text;
  $(".article-title", box).value = title;
  box.dataset.source = source;
  $(".remove-article", box).addEventListener("click", () => {
    box.remove();
    renumberArticles();
  });
  $("#articles").append(box);
  renumberArticles();
  return box;
}

// A file's text, read as `tomtat summarize` reads one: UTF-8 (with or without a BOM) or UTF-16 with a BOM.
// A legacy encoding (Windows-1258, TCVN3), binary data or a file that cannot be read (moved, no access)
// gives null: file.text() would make the first mojibake.
async function readText(file) {
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const utf16 = bytes[0] === 0xff && bytes[1] === 0xfe ? "utf-16le" : bytes[0] === 0xfe && bytes[1] === 0xff ? "utf-16be" : null;
    if (!utf16 && bytes.subarray(0, 8192).includes(0)) return null; // binary data, as the command line decides
    return new TextDecoder(utf16 || "utf-8", { fatal: true }).decode(bytes);
  } catch (error) {
    return null;
  }
}

async function addFiles(files) {
  const texts = Array.from(files).filter((file) => /\.txt$/i.test(file.name) || file.type === "text/plain");
  if (texts.length === 0) {
    showFormError("Chỉ nhận tệp văn bản .txt (mã hoá UTF-8).");
    return;
  }
  const refused = [];
  for (const file of texts) {
    const text = await readText(file);
    if (text === null) {
      refused.push(file.name);
      continue;
    }
    const empty = articleBoxes().find((box) => !$(".article-text", box).value.trim());
    const title = file.name.replace(/\.txt$/i, "");
    if (empty) {
      $(".article-text", empty).value = text;
      empty.dataset.source = file.name;
      if (!$(".article-title", empty).value) $(".article-title", empty).value = title;
    } else {
      addArticle(text, title, file.name);
    }
  }
  showFormError(
    refused.length
      ? `Không đọc được ${refused.join(", ")}: tệp không phải văn bản UTF-8 (có thể mã hoá Windows-1258 hay TCVN3). Hãy lưu lại với mã hoá UTF-8.`
      : "",
  );
}

function showFormError(message) {
  const box = $("#form-error");
  box.textContent = message;
  box.hidden = !message;
}

// --- summarizing -----------------------------------------------------------------------------------

let current = null; // the last summary response, with its segmented articles

async function onSummarize(event) {
  event.preventDefault();
  const articles = articleBoxes()
    .map((box, index) => ({
      text: $(".article-text", box).value,
      title: $(".article-title", box).value.trim(),
      source: box.dataset.source || `Bài ${index + 1}`,
    }))
    .filter((article) => article.text.trim());
  if (articles.length === 0) {
    showFormError("Hãy dán nội dung ít nhất một bài báo.");
    return;
  }
  showFormError("");
  const button = $("#summarize-button");
  button.disabled = true;
  button.textContent = "Đang tóm tắt…";
  try {
    current = await api("/v1/summarize", {
      method: "POST",
      body: JSON.stringify({ articles, words: Number($("#words").value), with_articles: true }),
    });
    renderSummary(current);
    renderFacts(current.facts);
  } catch (error) {
    showFormError(error.message);
  } finally {
    button.disabled = false;
    button.textContent = "Tóm tắt";
  }
}

function citation(number) {
  return el("sup", { class: "cite", text: `[${number}]` });
}

function renderSummary(result) {
  const container = $("#summary");
  container.replaceChildren();
  $("#source-panel").hidden = true;
  if (result.sentences.length === 0) {
    container.append(el("p", { class: "meta", text: "Không có câu nào vừa với độ dài đã chọn." }));
  }
  const paragraph = el("p");
  result.sentences.forEach((sentence, index) => {
    const link = el(
      "a",
      {
        href: "#",
        class: "sent",
        title: `Xem trong bài ${sentence.doc_index + 1}`,
        dataset: { index: String(index) },
      },
      sentence.text,
      citation(sentence.doc_index + 1),
    );
    link.addEventListener("click", (event) => {
      event.preventDefault();
      showSource(index);
    });
    paragraph.append(link, " ");
  });
  container.append(paragraph);
  const used = new Set(result.sentences.map((s) => s.doc_index)).size;
  $("#summary-meta").textContent =
    `${result.length} âm tiết · ${result.sentences.length} câu · lấy từ ${used}/${result.sources.length} bài`;
  $("#result").hidden = false;
  $("#result").scrollIntoView({ behavior: "smooth", block: "start" });
}

function showSource(index) {
  const chosen = current.sentences[index];
  setActive($(`#summary .sent[data-index="${index}"]`));
  openSentence(chosen.doc_index, chosen.sentence);
}

// Only one thing on the page is "the one being shown": a summary sentence or a fact's source.
function setActive(node) {
  document
    .querySelectorAll("#result .sent.active, #result .fact-src.active")
    .forEach((other) => other.classList.remove("active"));
  if (node) node.classList.add("active");
}

// Open article `docIndex` in the source panel with sentence `sentenceIndex` highlighted. `emphasis` (a
// fact's words) is set in bold inside the highlight when it is found there; `mentions` are other sentences
// of the same article to underline lightly (the fact's other mentions).
function openSentence(docIndex, sentenceIndex, { emphasis = "", mentions = [] } = {}) {
  const article = current.articles && current.articles[docIndex];
  if (!article) return;
  const usedHere = new Set(
    current.sentences.filter((s) => s.doc_index === docIndex).map((s) => s.sentence),
  );
  const mentioned = new Set(mentions);
  const label = article.title ? `${article.title} (${article.source})` : article.source;
  $("#source-title").textContent = `[${docIndex + 1}] ${label}`;
  const text = $("#source-text");
  text.replaceChildren();
  let paragraph = null;
  let paragraphNumber = -1;
  let highlighted = null;
  article.sentences.forEach((sentence, number) => {
    if (sentence.paragraph !== paragraphNumber) {
      paragraphNumber = sentence.paragraph;
      paragraph = el("p");
      text.append(paragraph);
    }
    let node;
    if (number === sentenceIndex) {
      node = el("mark", { class: "highlight" }, ...emphasized(sentence.text, emphasis));
      highlighted = node;
    } else {
      node = el("span", { text: sentence.text });
      if (usedHere.has(number)) node.classList.add("used");
      if (mentioned.has(number)) node.classList.add("mention");
    }
    if (sentence.kind === "noise") node.classList.add("noise");
    paragraph.append(node, " ");
  });
  $("#source-panel").hidden = false;
  if (highlighted) highlighted.scrollIntoView({ behavior: "smooth", block: "center" });
}

// `text` split around the first `needle` (any case: "Năm 2019" for "năm 2019"), which is set in bold.
function emphasized(text, needle) {
  const lower = text.toLowerCase();
  const start = needle && lower.length === text.length ? lower.indexOf(needle.toLowerCase()) : -1;
  if (start < 0) return [text];
  const end = start + needle.length;
  return [text.slice(0, start), el("strong", { text: text.slice(start, end) }), text.slice(end)];
}

// --- the story's facts -----------------------------------------------------------------------------

const QUOTE_WORDS = 30; // longer quotes are cut; the full sentence is one click away

function clip(text, words) {
  const parts = text.split(/\s+/);
  return parts.length <= words ? text : `${parts.slice(0, words).join(" ")} …`;
}

// Where facts send the reader: `number(source)` is the [n] of the article a source is in (null when it is
// not shown), `open(number, sentences, emphasis, button)` shows that article at the first of `sentences`.
const SUMMARY_SOURCES = {
  number: (source) => source.doc_index + 1,
  open: (number, [first, ...others], emphasis, button) => {
    setActive(button);
    openSentence(number - 1, first, { emphasis, mentions: others });
  },
};

// One clickable [n] per article that states the fact: it opens the article's first sentence citing it.
function sourceButtons(sources, emphasis, where) {
  const byArticle = new Map();
  for (const source of sources) {
    const number = where.number(source);
    if (number === null) continue;
    if (!byArticle.has(number)) byArticle.set(number, []);
    byArticle.get(number).push(source.sentence);
  }
  const group = el("span", { class: "fact-srcs" });
  for (const number of [...byArticle.keys()].sort((a, b) => a - b)) {
    const sentences = byArticle.get(number);
    const more = sentences.length > 1 ? ` (nhắc ở ${sentences.length} câu, mở câu đầu)` : "";
    const button = el("button", {
      type: "button",
      class: "fact-src",
      title: `Xem trong bài ${number}${more}`,
      "aria-label": `Nguồn: bài ${number}`,
      dataset: { doc: String(number - 1), sentence: String(sentences[0]) },
      text: `[${number}]`,
    });
    button.addEventListener("click", () => where.open(number, sentences, emphasis, button));
    group.append(button);
  }
  return group;
}

// Each kind: its label and how one item reads; `emphasis` is the words to find in the cited sentence.
const FACT_KINDS = [
  {
    key: "who",
    label: "Ai",
    parts: (f) => [el("strong", { text: f.name }), f.title ? el("span", { class: "fact-role", text: `, ${f.title}` }) : null],
    emphasis: (f) => f.name,
  },
  {
    key: "when",
    label: "Khi nào",
    parts: (f) => [el("span", { class: "nowrap", text: f.value || f.text })],
    emphasis: (f) => f.text,
  },
  { key: "where", label: "Ở đâu", parts: (f) => [f.name], emphasis: (f) => f.name },
  { key: "numbers", label: "Con số", parts: (f) => [f.text], emphasis: (f) => f.text },
];

function renderFacts(facts) {
  const container = $("#facts");
  container.replaceChildren(...(facts ? factsNodes(facts, SUMMARY_SOURCES) : []));
  $("#facts-panel").hidden = container.children.length === 0;
}

// The disagreement warning and the list of facts, each fact with its source buttons (see sourceButtons).
function factsNodes(facts, where) {
  const nodes = [];
  const disagreements = facts.disagreements || [];
  if (disagreements.length) {
    const list = el("ul", { class: "disagreements" });
    for (const item of disagreements) {
      const claims = el("span", { class: "claims" });
      item.claims.forEach((claim, index) => {
        if (index > 0) claims.append(el("span", { class: "versus", "aria-label": "khác với", text: "≠" }));
        claims.append(el("span", { class: "claim" }, claim.text, " ", sourceButtons(claim.sources, claim.text, where)));
      });
      list.append(el("li", {}, el("span", { class: "subject", text: `${item.subject}: ` }), claims));
    }
    nodes.push(
      el(
        "div",
        { class: "facts-warning", role: "note" },
        el("p", { class: "facts-warning-title" }, el("span", { "aria-hidden": "true", text: "⚠ " }), "Nguồn chưa thống nhất"),
        list,
      ),
    );
  }
  const rows = el("dl", { class: "facts-list" });
  for (const kind of FACT_KINDS) {
    const items = facts[kind.key] || [];
    if (!items.length) continue;
    const list = el("ul", { class: "fact-items" });
    for (const item of items) {
      list.append(el("li", { class: "fact" }, ...kind.parts(item), " ", sourceButtons(item.sources, kind.emphasis(item), where)));
    }
    rows.append(el("div", { class: "facts-row", dataset: { kind: kind.key } }, el("dt", { text: kind.label }), el("dd", {}, list)));
  }
  const quotes = facts.quotes || [];
  if (quotes.length) {
    const list = el("ul", { class: "quotes" });
    for (const quote of quotes) {
      list.append(
        el(
          "li",
          { class: "fact quote", title: quote.text },
          el("strong", { text: quote.speaker }),
          ": ",
          el("span", { class: "quote-text", text: `“${clip(quote.text, QUOTE_WORDS)}”` }),
          " ",
          sourceButtons([quote.source], "", where),
        ),
      );
    }
    rows.append(el("div", { class: "facts-row", dataset: { kind: "quotes" } }, el("dt", { text: "Ai nói gì" }), el("dd", {}, list)));
  }
  if (rows.children.length) nodes.push(rows);
  return nodes;
}

// --- stories in the store --------------------------------------------------------------------------

function formatTime(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString("vi-VN", { dateStyle: "short", timeStyle: "short" });
}

function highlightIn(textNode, needle) {
  // Stored articles come as plain text; find the cited sentence in it (whitespace-insensitive).
  const text = textNode.textContent;
  const start = text.indexOf(needle);
  if (start < 0) return null;
  const mark = el("mark", { class: "highlight", text: needle });
  textNode.replaceChildren(text.slice(0, start), mark, text.slice(start + needle.length));
  return mark;
}

function renderStory(story) {
  const numberOf = new Map(story.articles.map((article, index) => [article.id, index + 1]));
  const reader = el("div", { class: "story-reader", hidden: "" });
  const summary = el("p", { class: "summary" });
  let card = null;
  // Show article `number` under the story with `needle` (a cited sentence, a fact's words) highlighted.
  const showArticle = (number, needle, trigger) => {
    const article = story.articles[number - 1];
    if (!article) return;
    card.querySelectorAll(".sent, .fact-src").forEach((node) => node.classList.toggle("active", node === trigger));
    const body = el("div", { class: "source-text" });
    for (const line of article.text.split("\n")) {
      if (line.trim()) body.append(el("p", { text: line }));
    }
    let mark = null;
    for (const paragraph of body.children) {
      mark = needle ? highlightIn(paragraph, needle) : null;
      if (mark) break;
    }
    reader.replaceChildren(el("p", { class: "source-title", text: `[${number}] ${article.title || article.id}` }), body);
    reader.hidden = false;
    if (mark) mark.scrollIntoView({ behavior: "smooth", block: "center" });
  };
  for (const sentence of story.sentences || []) {
    const number = numberOf.get(sentence.doc);
    const link = el("a", { href: "#", class: "sent" }, sentence.text, citation(number || "?"));
    link.addEventListener("click", (event) => {
      event.preventDefault();
      showArticle(number, sentence.text, link);
    });
    summary.append(link, " ");
  }
  const sources = el("ol", { class: "sources" });
  for (const article of story.articles) {
    const bits = [article.title || article.id];
    if (article.source && article.source !== bits[0]) bits.push(article.source); // a file's name is both
    if (article.published) bits.push(formatTime(article.published));
    sources.append(el("li", { text: bits.join(" · ") }));
  }
  // Facts cite article ids; their buttons open the article with the fact's words highlighted.
  const where = {
    number: (source) => numberOf.get(source.doc) ?? null,
    open: (number, _sentences, emphasis, button) => showArticle(number, emphasis, button),
  };
  const facts = story.facts ? factsNodes(story.facts, where) : [];
  const when = story.last ? `Cập nhật ${formatTime(story.last)} · ` : "";
  card = el(
    "article",
    { class: "panel story", dataset: { story: story.story } },
    el("h2", { text: story.title || `Câu chuyện ${story.story}` }),
    el("p", { class: "meta", text: `${when}${story.size} bài` }),
    summary,
    facts.length ? el("div", { class: "facts story-facts" }, el("h3", { text: "Dữ kiện" }), ...facts) : null,
    el("details", story.articles.length <= 5 ? { open: "" } : {}, el("summary", { text: `Nguồn (${story.articles.length} bài)` }), sources),
    reader,
  );
  return card;
}

async function loadStories() {
  const status = $("#stories-status");
  const list = $("#stories");
  status.textContent = "Đang tải…";
  try {
    const result = await api("/v1/stories");
    list.replaceChildren(...result.stories.map(renderStory));
    status.textContent = result.stories.length
      ? `${result.stories.length} câu chuyện, mới nhất trước.`
      : "Chưa có câu chuyện nào. Thêm bài qua POST /v1/articles hoặc lệnh tomtat ingest.";
  } catch (error) {
    list.replaceChildren();
    status.textContent = error.message;
  }
}

// --- navigation ------------------------------------------------------------------------------------

function route() {
  const view = location.hash.startsWith("#/stories") ? "stories" : "summarize";
  $("#view-summarize").hidden = view !== "summarize";
  $("#view-stories").hidden = view !== "stories";
  document.querySelectorAll(".tabs a").forEach((link) => {
    if (link.dataset.view === view) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  });
  if (view === "stories") loadStories();
}

function setUpDropZone() {
  const zone = document.body;
  const target = $("#drop-zone");
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    target.classList.add("dragging");
  });
  zone.addEventListener("dragleave", (event) => {
    if (event.target === zone || !zone.contains(event.relatedTarget)) target.classList.remove("dragging");
  });
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    target.classList.remove("dragging");
    if (event.dataTransfer && event.dataTransfer.files.length) addFiles(event.dataTransfer.files);
  });
  $("#file-input").addEventListener("change", (event) => {
    addFiles(event.target.files);
    event.target.value = "";
  });
}

document.addEventListener("DOMContentLoaded", () => {
  for (let i = 0; i < MIN_ARTICLES; i += 1) addArticle();
  $("#add-article").addEventListener("click", () => $(".article-text", addArticle()).focus());
  $("#summarize-form").addEventListener("submit", onSummarize);
  $("#close-source").addEventListener("click", () => {
    $("#source-panel").hidden = true;
    setActive(null);
  });
  $("#reload-stories").addEventListener("click", loadStories);
  setUpDropZone();
  window.addEventListener("hashchange", route);
  route();
});
