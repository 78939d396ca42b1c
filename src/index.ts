/**
 * zerodown's library API: the CLI and the control server use only what is exported here.
 */
export { ZerodownError, ERROR_CODES, isZerodownError, type ErrorCode } from './errors.ts';
export { parseDuration, formatDuration } from './config/duration.ts';
export { loadConfig, parseConfigText, validateConfig, DEFAULT_CONFIG_FILE } from './config/load.ts';
export {
  resolveConfig,
  DEFAULTS,
  type ZerodownConfig,
  type EndpointConfig,
  type ExpectConfig,
  type ConfigOverrides,
} from './config/resolve.ts';
export { configSchema, type RawConfig } from './config/schema.ts';
export { ProbeSession, type ResultExtras } from './session.ts';
export { ProbeEngine } from './probe/engine.ts';
export type { ProbeOutcome } from './probe/outcome.ts';
export {
  runDeploy,
  runProbe,
  EXIT,
  type RunOutcome,
  type RunOptions,
  type ProbeOptions,
} from './run.ts';
export { decideOutcome, type Outcome } from './outcome.ts';
export { groupIncidents, incidentsOf } from './analysis/incidents.ts';
export {
  mergeResults,
  DEFAULT_COVERAGE_TOLERANCE_MS,
  type MergeOptions,
} from './analysis/merge.ts';
export { DeployProcess, type DeployExit } from './deploy/command.ts';
export { renderText } from './report/text.ts';
export { renderJson, parseResult, readResultFile } from './report/json.ts';
export { LatencyHistogram } from './analysis/histogram.ts';
export { DowntimeDetector } from './analysis/windows.ts';
export type * from './result.ts';
export { renderMarkdown } from './report/markdown.ts';
export { renderJunit } from './report/junit.ts';
export { renderHtml, renderDashboard } from './report/html.ts';
export { renderGithubAnnotations } from './report/github.ts';
export { sendNotifications, type NotifyOutcome } from './notify/dispatch.ts';
export type { NotifyConfig, ReportFiles } from './config/resolve.ts';
export { checkBlockers, type BlockerVerdict } from './guard/blockers.ts';
export { checkTimeWindow } from './guard/time-window.ts';
export { compareErrorRates, compareLatencies, LatencySample } from './guard/compare.ts';
export {
  prepareHistory,
  recordRun,
  defaultAgent,
  type RunHistory,
  type RecordOutcome,
} from './history/run-history.ts';
export { openHistoryStore, type HistoryStore } from './history/store.ts';
export { exportBudgets, type BudgetFile } from './history/budget-file.ts';
export { LEARN_DEFAULTS, type LearnRule, type HistoryKey } from './history/learn.ts';
export type { SessionHistory } from './history/plan.ts';
export type { HistoryConfig } from './history/resolve.ts';
export { VERSION } from './version.ts';
export { assembleResult, type RunFacts } from './assemble.ts';
export { RunReplay, replayRun, type Rejudge } from './analysis/replay.ts';
export {
  probeRecord,
  outcomeOf,
  parseProbeRecord,
  type ProbeRecord,
  PROBE_RECORD_VERSION,
} from './probe/record.ts';
export {
  runLine,
  endLine,
  STREAM_FORMAT,
  type RunLine,
  type PhaseLine,
  type EndLine,
  type StreamEndpoint,
} from './stream/format.ts';
export { parseStreamLine, type StreamLine } from './stream/parse.ts';
export { readProbeStream, rebuildFrom, type StreamRead } from './stream/read.ts';
export { ProbeStreamWriter, type StreamWriterOptions } from './stream/writer.ts';
