/**
 * PAGE_STYLE is the report page's stylesheet: system fonts only (nothing to load), a single-hue
 * scale for the share of reachable pod pairs (readable in greyscale and by colour-blind readers;
 * every cell also says its share in text), and a visible focus ring for keyboard users.
 */
export const PAGE_STYLE = `
:root { color-scheme: light; --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --accent: #0b5cad; --warn: #b35900; --deny: #b42318; --ok: #1a7f37; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: #fff; }
header { padding: 14px 20px 6px; border-bottom: 1px solid var(--line); }
h1 { font-size: 20px; margin: 0 0 2px; }
h2 { font-size: 16px; margin: 12px 0 6px; }
h3 { font-size: 14px; margin: 10px 0 4px; }
.meta, .hint { color: var(--muted); margin: 4px 0; }
#overview .hint, #legend, #notes { max-width: 64ch; }
main { display: grid; grid-template-columns: minmax(0, max-content) minmax(420px, 1fr); gap: 8px 28px; padding: 4px 20px 20px; align-items: start; }
@media (max-width: 1000px) { main { grid-template-columns: 1fr; } }
.scroll { overflow: auto; max-width: 100%; max-height: 80vh; }
#legend { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 14px; padding: 0; margin: 6px 0 8px; color: var(--muted); font-size: 12px; }
#legend li { display: inline-flex; align-items: center; gap: 5px; }
.swatch { display: inline-block; width: 16px; height: 16px; border: 1px solid var(--line); }
table { border-collapse: separate; border-spacing: 1px; }
#heatmap td { width: var(--cell); min-width: var(--cell); height: var(--cell); padding: 0; }
#heatmap th.col span, .matrix th.col span { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap; display: inline-block; max-height: 160px; overflow: hidden; text-overflow: ellipsis; }
th { font-weight: 500; font-size: 12px; color: var(--ink); }
th.col { vertical-align: bottom; padding: 2px 0; }
th.rowhead { text-align: right; white-space: nowrap; padding: 0 6px 0 0; }
th.corner { font-size: 11px; color: var(--muted); text-align: right; vertical-align: bottom; font-weight: 400; padding: 0 6px 4px 0; }
th.host span { font-weight: 700; color: var(--accent); }
th.col.host { box-shadow: inset 0 -3px 0 var(--accent); }
td.heat { text-align: center; font-size: 11px; cursor: pointer; border: 1px solid transparent; color: #0d1b2a; font-variant-numeric: tabular-nums; }
.heat.lv-none { background: repeating-linear-gradient(45deg, #fff, #fff 3px, #eef0f2 3px, #eef0f2 6px); }
.heat.lv-self { background: #f6f8fa; color: var(--muted); }
.heat.lv-0 { background: #e9ecef; }
.heat.lv-1 { background: #c6dbef; }
.heat.lv-2 { background: #9ecae1; }
.heat.lv-3 { background: #6baed6; }
.heat.lv-4 { background: #3182bd; color: #fff; }
.heat.lv-5 { background: #08519c; color: #fff; }
td.heat.flagged { border: 2px solid var(--warn); color: var(--warn); font-weight: 700; }
td.heat.flagged.lv-4, td.heat.flagged.lv-5 { color: #ffd8a8; }
td.heat:focus { outline: 3px solid #111; outline-offset: 0; position: relative; z-index: 1; }
td.heat[aria-selected="true"] { outline: 3px solid #e8590c; outline-offset: -1px; }
.matrix td.heat { min-width: 64px; height: 30px; padding: 2px 4px; white-space: nowrap; }
.badge { display: inline-block; margin-left: 4px; font-size: 11px; line-height: 16px; min-width: 16px; text-align: center; border-radius: 8px; }
.badge.host { color: var(--accent); }
.badge.cut { color: var(--warn); font-weight: 700; }
.badge.findings { color: #fff; padding: 0 4px; }
.badge.findings.deny { background: var(--deny); }
.badge.findings.warn { background: var(--warn); }
aside { min-width: 0; }
aside section { margin-bottom: 6px; }
.warning { color: var(--warn); margin: 4px 0; }
.verdict { font-size: 15px; margin: 6px 0; }
.verdict.allow strong { color: var(--ok); }
.verdict.deny strong { color: var(--deny); }
ul.side { margin: 2px 0 8px; padding-left: 18px; }
ul.side li { margin: 2px 0; }
ul.side li.allow::marker { content: "\\2713  "; color: var(--ok); }
ul.side li.deny::marker { content: "\\2717  "; color: var(--deny); }
ul.side li.open::marker { content: "\\2713  "; color: var(--ok); }
.pair { border-left: 3px solid var(--line); padding-left: 10px; margin: 8px 0; }
.note { color: var(--muted); font-style: italic; }
ul.findings { margin: 2px 0 8px; padding-left: 18px; }
ul.findings li { margin: 3px 0; }
.sev { font-size: 11px; text-transform: uppercase; font-weight: 700; }
li.deny .sev { color: var(--deny); }
li.warn .sev { color: var(--warn); }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f6f8fa; padding: 0 3px; border-radius: 3px; }
`;
