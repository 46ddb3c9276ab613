/** The dashboard's public surface: its server (page, snapshot, Keplr chain info) and `metro dashboard`. */
export { keplrChainInfo } from "./chain-info.js";
export { dashboardCommand, dashboardOptions } from "./cli.js";
export { Collector } from "./collector.js";
export { ProgressReader } from "./progress.js";
export { MetricsReadError, parseExposition } from "./prometheus.js";
export { DashboardError, DashboardServer, DEFAULT_DASHBOARD_PORT } from "./server.js";
export { emptySnapshot, type MetricsEndpoint, type Snapshot } from "./snapshot.js";
export { type DashboardOptions, type RunningDashboard, startDashboard } from "./start.js";
