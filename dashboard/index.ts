/** The dashboard's public surface: its server (page, snapshot, Keplr chain info) and `metro dashboard`. */
export { keplrChainInfo } from "./chain-info.js";
export { dashboardCommand } from "./cli.js";
export { Collector } from "./collector.js";
export { DashboardError, DashboardServer, DEFAULT_DASHBOARD_PORT } from "./server.js";
export { emptySnapshot, type Snapshot } from "./snapshot.js";
export { type DashboardOptions, type RunningDashboard, startDashboard } from "./start.js";
