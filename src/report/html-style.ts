/**
 * The HTML report's stylesheet: light and dark (prefers-color-scheme), laptop and phone widths.
 * Chart colours are CSS variables the page script reads when it draws.
 */
export const REPORT_CSS = `
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --border: #d1d9e0; --card: #f6f8fa;
  --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --lat50: #0969da; --lat99: #8250df;
  --bad-shade: rgba(207, 34, 46, 0.18); --deploy-shade: rgba(9, 105, 218, 0.07);
  --mark: #6e7781; --version: #9a6700; --grid: rgba(31, 35, 40, 0.08);
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --border: #3d444d; --card: #151b23;
    --ok: #3fb950; --bad: #f85149; --warn: #d29922; --lat50: #4493f8; --lat99: #ab7df8;
    --bad-shade: rgba(248, 81, 73, 0.25); --deploy-shade: rgba(68, 147, 248, 0.09);
    --mark: #9198a1; --version: #e3b341; --grid: rgba(230, 237, 243, 0.09);
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
.zd-page { max-width: 1280px; margin: 0 auto; padding: 16px 20px 32px; }
h1 { font-size: 22px; margin: 0 0 6px; display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
h2 { font-size: 17px; margin: 22px 0 8px; }
h3 { font-size: 15px; margin: 16px 0 6px; overflow-wrap: anywhere; }
code { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.zd-badge, .zd-pill, .zd-state { display: inline-block; border-radius: 999px; font-weight: 600;
  letter-spacing: .02em; white-space: nowrap; }
.zd-badge { font-size: 14px; padding: 2px 12px; color: #fff; background: var(--mark); }
.zd-pass .zd-badge { background: var(--ok); }
.zd-fail .zd-badge { background: var(--bad); }
.zd-blocked .zd-badge, .zd-deploy-failed .zd-badge, .zd-degraded .zd-badge,
.zd-aborted .zd-badge { background: var(--warn); }
.zd-running .zd-badge { background: var(--lat50); }
.zd-verdict { border: 1px solid var(--border); border-left-width: 6px; border-radius: 8px;
  padding: 12px 16px; background: var(--card); }
.zd-verdict.zd-pass { border-left-color: var(--ok); }
.zd-verdict.zd-fail { border-left-color: var(--bad); }
.zd-verdict.zd-blocked, .zd-verdict.zd-deploy-failed, .zd-verdict.zd-degraded,
.zd-verdict.zd-aborted { border-left-color: var(--warn); }
.zd-verdict.zd-running { border-left-color: var(--lat50); }
.zd-verdict p { margin: 4px 0; }
.zd-facts { display: flex; flex-wrap: wrap; gap: 4px 24px; margin: 8px 0 0; }
.zd-facts div { min-width: 0; }
.zd-facts dt { display: inline; color: var(--muted); }
.zd-facts dt::after { content: ": "; }
.zd-facts dd { display: inline; margin: 0; overflow-wrap: anywhere; }
.zd-note, .zd-more { color: var(--muted); }
.zd-scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--border); vertical-align: top; }
th { color: var(--muted); font-weight: 600; white-space: nowrap; }
td small { color: var(--muted); overflow-wrap: anywhere; }
.n { text-align: right; white-space: nowrap; }
.zd-endpoints td:first-child, .zd-endpoints td:nth-child(2) { min-width: 12em; }
.zd-pill { font-size: 12px; padding: 1px 8px; border: 1px solid currentColor; }
.zd-pill.zd-pass { color: var(--ok); } .zd-pill.zd-fail { color: var(--bad); }
.zd-pill.zd-warn, .zd-pill.zd-degraded, .zd-pill.zd-inconclusive { color: var(--warn); }
.zd-state { font-size: 12px; padding: 1px 8px; color: #fff; background: var(--mark); }
.zd-state.zd-up { background: var(--ok); } .zd-state.zd-down { background: var(--bad); }
.zd-charts { display: grid; gap: 16px; margin-top: 8px; }
.zd-card { border: 1px solid var(--border); border-radius: 8px; padding: 10px 12px; min-width: 0;
  background: var(--bg); }
.zd-card header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 10px; margin-bottom: 4px; }
.zd-card h3 { margin: 0; }
.zd-agent-lane { margin-left: 1.5rem; }
.zd-agent-row td:first-child { padding-left: 1.5rem; }
.zd-card header small { color: var(--muted); overflow-wrap: anywhere; }
.zd-chart { width: 100%; min-height: 180px; }
.zd-chart .uplot { width: 100%; }
.u-legend { font-size: 12px; color: var(--muted); }
.u-legend .u-series > * { padding: 2px 4px; }
.u-over { overflow: hidden; }
.u-select { background: var(--grid); }
.zd-layer { position: absolute; inset: 0; pointer-events: none; }
.zd-phase { position: absolute; top: 0; bottom: 0; border-left: 1px dashed var(--mark); }
.zd-phase:first-child { border-left: 0; }
.zd-phase-deploy { background: var(--deploy-shade); }
.zd-phase-label, .zd-incident-label, .zd-version-label { position: absolute; font-size: 11px;
  line-height: 14px; white-space: nowrap; padding: 0 3px; border-radius: 3px; }
.zd-phase-label { top: 1px; left: 2px; color: var(--muted); }
.zd-window { position: absolute; top: 0; bottom: 0; background: var(--bad-shade);
  border-left: 1px solid var(--bad); border-right: 1px solid var(--bad); }
.zd-incident { position: absolute; top: 0; bottom: 0; border-top: 3px solid var(--bad); }
.zd-incident-partial { border-top-style: dashed; background: repeating-linear-gradient(135deg,
  var(--bad-shade) 0 3px, transparent 3px 9px); }
.zd-incident-label { top: 17px; color: #fff; background: var(--bad); font-weight: 600; }
.zd-version { position: absolute; top: 0; bottom: 0; border-left: 2px dotted var(--version); }
.zd-version-label { bottom: 2px; left: 3px; color: var(--version); background: var(--bg); }
footer { margin-top: 28px; color: var(--muted); font-size: 12px; }
.zd-conn { float: right; font-size: 12px; color: var(--muted); }
@media (max-width: 640px) {
  .zd-page { padding: 10px 10px 24px; }
  h1 { font-size: 18px; }
  .zd-card { padding: 8px 6px; }
  th, td { padding: 4px 6px; }
}
`;
